using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// The real agents over a real one-way UDP link between network namespaces (scripts/netns.sh): nothing can come
/// back from the inside, and nftables drops packets on the inside's ingress. Needs root; fails on CI without it.
/// </summary>
[Collection(UdpDiodeCollection.Name)]
public sealed class UdpDiodeTests
{
    private static readonly string[] Once = ["--once", "--timeout", "90"];

    [NetnsFact]
    public async Task Full_then_incremental_generation_cross_a_one_way_link_with_5_percent_loss_in_one_pass()
    {
        await using var rig = await UdpDiodeRig.CreateAsync();
        rig.MakeTree(files: 8, sizeBytes: 4_000_000, seed: 10);
        await rig.Link.RandomLossAsync(1, 500);

        var receive = await rig.StartReceiveAsync(1, Once);
        var send = await rig.Send("300M", "--passes", "1", "--fec-overhead", "25");
        Assert.True(send.ExitCode == 0, send.ToString());
        Assert.Contains("generation 1 (full)", send.Stdout);
        Assert.Contains("recorded as sent", send.Stdout);
        var received = await receive.Completion;
        Assert.True(received.ExitCode == 0, $"{received}\nsender:\n{send}");
        Assert.Contains("generation 1 published", received.Stdout);
        TreeAssert.Equal(rig.Source, rig.Target());
        await Run.Ok(rig.Verify());
        var lost = await rig.Link.DroppedAsync(1);
        Assert.True(lost > 500, $"the loss rule dropped only {lost} packets");
        var loss = UdpDiodeRig.ReportNumber(received.Stdout, @"loss (\d+)\.\d+%");
        Assert.InRange(loss, 3, 7);

        // An incremental generation: new, edited and removed files; only the delta crosses.
        TreeBuilder.Write(rig.Source, "pool/main/new/pkg-new_2.0_amd64.deb", TreeBuilder.RandomBytes(3_000_000, 99));
        TreeBuilder.Write(rig.Source, "dists/stable/Release", "Suite: stable\nVersion: 2\n"u8.ToArray());
        File.Delete(Path.Combine(rig.Source, "pool/main/p0/pkg1_1.0_amd64.deb"));
        receive = await rig.StartReceiveAsync(1, Once);
        send = await rig.Send("300M", "--passes", "1");
        Assert.True(send.ExitCode == 0, send.ToString());
        Assert.Contains("generation 2 (delta from 1)", send.Stdout);
        Assert.Matches(@"stream \d{7} bytes", send.Stdout); // ~3 MB, not the 35 MB tree
        received = await receive.Completion;
        Assert.True(received.ExitCode == 0, $"{received}\nsender:\n{send}");
        Assert.Contains("generation 2 published", received.Stdout);
        TreeAssert.Equal(rig.Source, rig.Target());
        await Run.Ok(rig.Verify());
    }

    [NetnsFact]
    public async Task One_percent_loss_in_bursts_of_1000_packets_is_repaired_in_one_pass_with_enough_interleave()
    {
        await using var rig = await UdpDiodeRig.CreateAsync();
        rig.MakeTree(files: 10, sizeBytes: 5_000_000, seed: 20);
        // Mid-transfer (packets 20000-20999 of ~45000): a burst at the very start would also swallow the first
        // announces, a different matter (a late join) that the carousel tests cover.
        await rig.Link.BurstLossAsync(1, drop: 1000, every: 100_000, at: 20_000);

        var receive = await rig.StartReceiveAsync(1, Once);
        var send = await rig.Send("300M", "--passes", "1", "--fec-overhead", "25", "--interleave", "256");
        Assert.True(send.ExitCode == 0, send.ToString());
        var received = await receive.Completion;
        Assert.True(received.ExitCode == 0, $"{received}\nsender:\n{send}");
        Assert.Contains("generation 1 published", received.Stdout);
        TreeAssert.Equal(rig.Source, rig.Target());
        await Run.Ok(rig.Verify());
        Assert.True(await rig.Link.DroppedAsync(1) >= 1000, "no burst was dropped");
    }

    [NetnsFact]
    public async Task With_the_code_chosen_per_stream_a_full_generation_goes_GF16_at_a_quarter_of_the_GF8_overhead_and_a_small_delta_GF8()
    {
        await using var rig = await UdpDiodeRig.CreateAsync();
        rig.MakeTree(files: 10, sizeBytes: 5_000_000, seed: 30);
        await rig.Link.RandomLossAsync(1, 500);

        var receive = await rig.StartReceiveAsync(1, Once);
        var send = await rig.Send("300M", "--passes", "1", "--fec-code", "auto");
        Assert.True(send.ExitCode == 0, send.ToString());
        // fec-plan's rs16 shape for 5 % random loss, against rs8's 27.3 % for the same risk.
        Assert.True(send.Stdout.Contains("FEC rs16 k=15360 6.57 % x 1 interleaved", StringComparison.Ordinal), send.Stdout);
        var received = await receive.Completion;
        Assert.True(received.ExitCode == 0, $"{received}\nsender:\n{send}");
        Assert.Contains("generation 1 published", received.Stdout);
        TreeAssert.Equal(rig.Source, rig.Target());
        await Run.Ok(rig.Verify());
        Assert.InRange(UdpDiodeRig.ReportNumber(received.Stdout, @"loss (\d+)\.\d+%"), 3, 7);

        // A delta of about 3 MB is less than one 21.6 MB rs16 block: it goes with rs8 and the rs8 options.
        TreeBuilder.Write(rig.Source, "pool/main/new/pkg-new_2.0_amd64.deb", TreeBuilder.RandomBytes(3_000_000, 98));
        receive = await rig.StartReceiveAsync(1, Once);
        send = await rig.Send("300M", "--passes", "1", "--fec-code", "auto", "--fec-overhead", "30");
        Assert.True(send.ExitCode == 0, send.ToString());
        Assert.True(send.Stdout.Contains("FEC rs8 k=128 30.00 % x 64 interleaved", StringComparison.Ordinal), send.Stdout);
        received = await receive.Completion;
        Assert.True(received.ExitCode == 0, $"{received}\nsender:\n{send}");
        Assert.Contains("generation 2 published", received.Stdout);
        TreeAssert.Equal(rig.Source, rig.Target());
    }

    [NetnsFact]
    public async Task One_percent_loss_in_bursts_of_1000_is_repaired_in_one_pass_by_the_GF16_plan_for_it()
    {
        await using var rig = await UdpDiodeRig.CreateAsync();
        rig.MakeTree(files: 12, sizeBytes: 5_000_000, seed: 31);
        await rig.Link.BurstLossAsync(1, drop: 1000, every: 100_000, at: 20_000);

        // fec-plan --loss 1 --burst 1000 --periodic: k = 992, r = 24 (2.42 %), 42 blocks interleaved. The stream goes
        // in three parts: 1 MiB, one whole window of 42 blocks (58.7 MB), the rest. The burst lands in the window,
        // whose round-robin order costs each block at most ceil(1000 / 42) = 24 symbols: what its repairs cover.
        var receive = await rig.StartReceiveAsync(1, Once);
        var send = await rig.Send("300M", "--passes", "1", "--fec-code", "rs16", "--data-symbols", "992", "--fec-overhead", "2.4", "--interleave", "42");
        Assert.True(send.ExitCode == 0, send.ToString());
        var received = await receive.Completion;
        Assert.True(received.ExitCode == 0, $"{received}\nsender:\n{send}");
        Assert.Contains("generation 1 published", received.Stdout);
        TreeAssert.Equal(rig.Source, rig.Target());
        Assert.True(await rig.Link.DroppedAsync(1) >= 1000, "no burst was dropped");
    }

    [NetnsFact]
    public async Task A_receiver_killed_mid_transfer_resumes_from_its_spool_on_the_later_passes()
    {
        await using var rig = await UdpDiodeRig.CreateAsync();
        rig.MakeTree(files: 10, sizeBytes: 4_000_000, seed: 30);
        await rig.Link.RandomLossAsync(1, 100);

        var first = await rig.StartReceiveAsync(1, "--once");
        // The stream goes in parts, each sent in all three passes before the next; 8-block windows (1.5 MB) make parts
        // of 1.5, 2.9, 4.4, 8.8 ... MB. The kill lands in part 3's first pass (about 1.8 s at 40 Mbit/s) once the
        // receiver's once-a-second checkpoint has recorded a window of it complete and parts 0-2 are in the inbox;
        // the restart finds parts 0-2 there, resumes part 3 from its spool on its later passes, and takes the rest.
        var send = rig.SendInBackground("40M", "--passes", "3", "--interleave", "8");
        var spool = Path.Combine(rig.InsideState(1), "udp-spool");
        var inbox = Path.Combine(rig.InsideState(1), "udp-inbox");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        async Task WaitForAsync(Func<bool> condition, string what)
        {
            while (!condition())
            {
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), what);
                if (first.Completion.IsCompleted)
                {
                    Assert.Fail($"the receiver finished before it could be killed: {await first.Completion}");
                }

                await Task.Delay(50);
            }
        }

        await WaitForAsync(() => PartsHeld(inbox) >= 3, "the receiver collected no three parts");
        // A collected part's session stays in the spool while its later passes arrive: only part 3's counts.
        var collected = SessionDirectories(spool);
        await WaitForAsync(() => CheckpointedBytes(spool, except: collected) >= 1_500_000, "the receiver spooled nothing of part 3");

        first.Process.Kill(); // SIGKILL: no chance to clean up
        var killed = await first.Completion;
        Assert.NotEqual(0, killed.ExitCode);
        Assert.False(File.Exists(rig.Target()) || Directory.Exists(rig.Target()), "nothing may be published by a killed receiver");
        var spooledAtKill = CheckpointedBytes(spool, except: collected);

        var second = await rig.StartReceiveAsync(1, Once);
        var received = await second.Completion;
        var sent = await send.Completion;
        Assert.True(sent.ExitCode == 0, sent.ToString());
        Assert.True(received.ExitCode == 0, $"{received}\nsender:\n{sent}");
        Assert.Contains("generation 1 published", received.Stdout);
        var resumed = UdpDiodeRig.ReportNumber(received.Stdout, @"(\d+) resumed");
        Assert.True(resumed > 0, $"the restarted receiver resumed no block from {spooledAtKill} spooled bytes:\n{received.Stdout}");
        TreeAssert.Equal(rig.Source, rig.Target());
        await Run.Ok(rig.Verify());
    }

    [NetnsFact]
    public async Task One_multicast_sender_feeds_two_insides_and_both_publish()
    {
        await using var rig = await UdpDiodeRig.CreateAsync(receivers: 2);
        rig.MakeTree(files: 6, sizeBytes: 4_000_000, seed: 40);
        await rig.Link.RandomLossAsync(1, 100);
        await rig.Link.RandomLossAsync(2, 300); // each inside loses different packets

        const string group = "239.255.77.1";
        var a = await rig.StartReceiveAsync(1, ["--group", group, .. Once]);
        var b = await rig.StartReceiveAsync(2, ["--group", group, .. Once]);
        var send = await rig.SendTo($"{group}:{UdpDiodeRig.Port}", "300M", "--passes", "1");
        Assert.True(send.ExitCode == 0, send.ToString());
        foreach (var (receiver, completion) in new[] { (1, a.Completion), (2, b.Completion) })
        {
            var received = await completion;
            Assert.True(received.ExitCode == 0, $"inside {receiver}: {received}\nsender:\n{send}");
            Assert.Contains("generation 1 published", received.Stdout);
            TreeAssert.Equal(rig.Source, rig.Target(receiver));
            await Run.Ok(rig.Verify(receiver));
        }
    }

    [NetnsFact]
    public async Task Garbage_and_wrongly_keyed_packets_are_dropped_and_nothing_wrong_is_published()
    {
        await using var rig = await UdpDiodeRig.CreateAsync();
        rig.MakeTree(files: 3, sizeBytes: 2_000_000, seed: 50);
        var macKey = rig.Dir("mac.key");
        var wrongMacKey = rig.Dir("wrong-mac.key");
        await File.WriteAllBytesAsync(macKey, TreeBuilder.RandomBytes(32, 1));
        await File.WriteAllBytesAsync(wrongMacKey, TreeBuilder.RandomBytes(32, 2));

        // Garbage, then a sender with the wrong MAC key: all dropped before decoding; nothing is published.
        var receive = await rig.StartReceiveAsync(1, "--mac-key", macKey, "--once", "--timeout", "15");
        await Run.Ok(rig.SendGarbage(300));
        var wrong = await rig.Send("200M", "--passes", "1", "--mac-key", wrongMacKey);
        Assert.True(wrong.ExitCode == 0, wrong.ToString());
        var refused = await receive.Completion;
        Assert.Equal(4, refused.ExitCode);
        Assert.Contains("no new generation published", refused.Stderr);
        Assert.True(UdpDiodeRig.ReportNumber(refused.Stdout, @"bad-mac (\d+)") > 1000, refused.Stdout);
        Assert.True(UdpDiodeRig.ReportNumber(refused.Stdout, @"garbage (\d+)") + UdpDiodeRig.ReportNumber(refused.Stdout, @"bad-mac (\d+)") >= 1300, refused.Stdout);
        Assert.False(File.Exists(rig.Target()) || Directory.Exists(rig.Target()));

        // The same generation again (the spool keeps it), now with the right key, while garbage keeps arriving.
        // The outside recorded generation 1 as sent: a plain `send` would find nothing changed, so send it in full.
        receive = await rig.StartReceiveAsync(1, ["--mac-key", macKey, .. Once]);
        var garbage = rig.SendGarbage(300);
        var right = await rig.Send("200M", "--passes", "1", "--mac-key", macKey, "--full");
        Assert.True(right.ExitCode == 0, right.ToString());
        await garbage;
        var published = await receive.Completion;
        Assert.True(published.ExitCode == 0, $"{published}\nsender:\n{right}");
        TreeAssert.Equal(rig.Source, rig.Target());

        // A generation signed by a key the inside does not trust is ignored; what is published stays as it was.
        var before = TreeAssert.Describe(rig.Target());
        var foreignKey = rig.Dir("foreign.key");
        await Run.Ok(Run.Outside("keygen", "--key", foreignKey));
        TreeBuilder.Write(rig.Source, "pool/main/evil/evil_1.0_amd64.deb", TreeBuilder.RandomBytes(500_000, 666));
        receive = await rig.StartReceiveAsync(1, "--mac-key", macKey, "--once", "--timeout", "12");
        var foreign = await rig.Link.AgentAsync(rig.Link.Outside, "sync-outside",
            ["send", "--source", rig.Source, "--state", rig.Dir("foreign-state"), "--key", foreignKey, "--udp", $"{NetnsLink.InsideAddress(1)}:{UdpDiodeRig.Port}",
             "--rate", "200M", "--passes", "1", "--mac-key", macKey, "--quiet"]);
        Assert.True(foreign.ExitCode == 0, foreign.ToString());
        var untrusted = await receive.Completion;
        Assert.Equal(4, untrusted.ExitCode);
        Assert.Contains("not trusted", untrusted.Stderr);
        Assert.Equal(before, TreeAssert.Describe(rig.Target()));
        await Run.Ok(rig.Verify());
        var status = await Run.Ok(Run.Inside("status", "--state", rig.InsideState(1)));
        Assert.Contains("not trusted", status.Stdout);
    }

    [NetnsFact]
    public async Task An_inside_that_was_down_catches_up_from_the_carousel_and_stops_cleanly_on_SIGTERM()
    {
        await using var rig = await UdpDiodeRig.CreateAsync();
        rig.MakeTree(files: 4, sizeBytes: 3_000_000, seed: 60);
        await rig.Link.RandomLossAsync(1, 200);

        // Two generations sent while the inside is down: nobody hears them.
        Assert.Contains("generation 1 (full)", (await Run.Ok(rig.Send("300M", "--passes", "1"))).Stdout);
        TreeBuilder.Write(rig.Source, "pool/main/late/late_1.0_amd64.deb", TreeBuilder.RandomBytes(2_000_000, 61));
        Assert.Contains("generation 2 (delta from 1)", (await Run.Ok(rig.Send("300M", "--passes", "1"))).Stdout);

        // The inside comes back as a service; the carousel repeats both from the spool, oldest first.
        var receive = await rig.StartReceiveAsync(1);
        var carousel = await rig.Link.AgentAsync(rig.Link.Outside, "sync-outside",
            ["carousel", "--state", rig.OutsideState, "--key", rig.Key, "--udp", $"{NetnsLink.InsideAddress(1)}:{UdpDiodeRig.Port}", "--rate", "300M", "--rounds", "2", "--pause", "0.5"]);
        Assert.True(carousel.ExitCode == 0, carousel.ToString());
        Assert.Contains("carousel round 2: generation 2 (delta from 1)", carousel.Stdout);
        var status = await WaitForAsync(async () => (await Run.Ok(Run.Inside("status", "--state", rig.InsideState(1)))).Stdout, s => s.Contains("published: generation 2"));

        // SIGTERM (as systemd stops a service): a clean stop, exit 0, with a last report.
        await Run.Ok(Run.Process("kill", ["-TERM", receive.Process.Id.ToString()]));
        var received = await receive.Completion;
        Assert.True(received.ExitCode == 0, $"{received}\nstatus: {status}");
        Assert.Contains("stopped; published generation 2", received.Stdout);
        TreeAssert.Equal(rig.Source, rig.Target());
        await Run.Ok(rig.Verify());
    }

    [NetnsFact]
    public async Task A_send_killed_mid_stream_publishes_nothing_and_the_next_send_with_its_carousel_brings_the_tree()
    {
        await using var rig = await UdpDiodeRig.CreateAsync();
        rig.MakeTree(files: 10, sizeBytes: 4_000_000, seed: 70);
        var receive = await rig.StartReceiveAsync(1, Once);

        // Parts of 1, 2.9, 4.4, 8.8, 16.2 and 6.6 MB at 40 Mbit/s: killed once two are in the inside's inbox, the
        // send leaves a stream the inside cannot publish. Whether it had recorded the generation as spooled by then
        // (the writer runs up to three parts ahead) decides what the next run does; the inside must end up with the
        // tree either way, never with part of it.
        var first = rig.SendInBackground("40M", "--passes", "1", "--interleave", "8");
        var inbox = Path.Combine(rig.InsideState(1), "udp-inbox");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (PartsHeld(inbox) < 2)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60) && !first.Completion.IsCompleted, $"no two parts arrived before the send ended: {(first.Completion.IsCompleted ? (await first.Completion).ToString() : "still running")}");
            await Task.Delay(20);
        }

        first.Process.Kill(); // SIGKILL, mid-stream
        Assert.NotEqual(0, (await first.Completion).ExitCode);
        Assert.False(receive.Completion.IsCompleted, $"the inside published from a killed send: {(receive.Completion.IsCompleted ? (await receive.Completion).ToString() : "")}");
        Assert.False(Directory.Exists(rig.Target()), "a killed send's stream must not be published");

        // The next run, with its carousel after it: the link stays busy until the inside has published, so a stream
        // that waited for the dead one's parts while datagrams still arrive would hold the apply for good.
        var second = rig.SendInBackground("40M", "--passes", "1", "--interleave", "8", "--carousel", "--carousel-rate", "20M");
        var received = await receive.Completion;
        second.Process.Kill();
        await second.Completion;
        Assert.True(received.ExitCode == 0, received.ToString());
        Assert.Contains(" published (was 0)", received.Stdout);
        TreeAssert.Equal(rig.Source, rig.Target());
        await Run.Ok(rig.Verify());
    }

    private static async Task<string> WaitForAsync(Func<Task<string>> probe, Func<string, bool> done)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var value = await probe();
            if (done(value) || watch.Elapsed > TimeSpan.FromSeconds(60))
            {
                Assert.True(done(value), $"gave up waiting after 60 s: {value}");
                return value;
            }

            await Task.Delay(250);
        }
    }

    /// <summary>
    /// Bytes of symbols the receiver's checkpoints have recorded (set bits in each session's <c>state</c> bitmaps, times
    /// the symbol size): what a restart resumes from. The spool's size says nothing: its object is reserved whole at once.
    /// </summary>
    private static int PartsHeld(string inbox) => Directory.Exists(inbox) ? Directory.GetFiles(inbox, "*.part").Length : 0;

    private static HashSet<string> SessionDirectories(string spool) =>
        Directory.Exists(spool) ? [.. Directory.GetFiles(spool, "state", SearchOption.AllDirectories).Select(state => Path.GetDirectoryName(state)!)] : [];

    private static long CheckpointedBytes(string directory, IReadOnlySet<string>? except = null)
    {
        long bytes = 0;
        foreach (var state in Directory.Exists(directory) ? Directory.GetFiles(directory, "state", SearchOption.AllDirectories) : [])
        {
            if (except is not null && except.Contains(Path.GetDirectoryName(state)!))
            {
                continue;
            }

            try
            {
                var record = File.ReadAllBytes(state);
                if (record.Length > 4096)
                {
                    var symbolSize = BitConverter.ToUInt16(record, 58);
                    bytes += record.AsSpan(4096).ToArray().Sum(b => (long)System.Numerics.BitOperations.PopCount(b)) * symbolSize;
                }
            }
            catch (IOException)
            {
                // Being rewritten, or gone with a finished session.
            }
        }

        return bytes;
    }
}

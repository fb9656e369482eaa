using System.IO.Hashing;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Sync.Transport.Udp.Internal;
using Xunit.Abstractions;

namespace Sync.Transport.Udp.Tests;

[CollectionDefinition("loopback", DisableParallelization = true)]
public sealed class LoopbackCollection;

/// <summary>
/// Sender and receiver over 127.0.0.1 in one process, with loss simulated by the sender's internal drop hook.
/// Timeouts are generous; nothing asserts on wall-clock speed.
/// </summary>
[Collection("loopback")]
public sealed class LoopbackServerTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private sealed class Inbox
    {
        private readonly TaskCompletionSource<(ReceivedObject Object, byte[] Bytes)> _first = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls;

        public Task<(ReceivedObject Object, byte[] Bytes)> First => _first.Task;

        public async Task<ObjectDisposition> OnComplete(ReceivedObject received, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            byte[] bytes = await File.ReadAllBytesAsync(received.Path, cancellationToken);
            _first.TrySetResult((received, bytes));
            return ObjectDisposition.Applied;
        }
    }

    private (UdpReceiver Receiver, Task Run, CancellationTokenSource Stop) StartReceiver(UdpReceiveOptions options, Inbox inbox, string name)
    {
        var receiver = new UdpReceiver(new TestLogger(output, name), TimeProvider.System);
        var stop = new CancellationTokenSource();
        Task run = Task.Run(() => receiver.RunAsync(options, inbox.OnComplete, stop.Token));
        Assert.True(SpinWait.SpinUntil(() => receiver.Stats.GrantedReceiveBufferBytes > 0 || run.IsCompleted, Patience), "receiver did not bind");
        Assert.False(run.IsFaulted, run.Exception?.ToString());
        return (receiver, run, stop);
    }

    private static async Task StopAsync(Task run, CancellationTokenSource stop)
    {
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Patience));
        stop.Dispose();
    }

    private static bool Lose(SymbolRef symbol, int pass, int perTenThousand)
    {
        Span<byte> key = stackalloc byte[16];
        BitConverter.TryWriteBytes(key, symbol.Block);
        BitConverter.TryWriteBytes(key[8..], symbol.Symbol * 1000 + pass);
        return XxHash3.HashToUInt64(key) % 10_000 < (ulong)perTenThousand;
    }

    private UdpSender Sender() => new(new TestLogger(output, "send"), TimeProvider.System);

    [Fact]
    public async Task An_incomplete_spool_idle_past_its_max_age_is_deleted_at_start_and_a_recent_one_is_kept()
    {
        string spool = Path.Combine(_dir.Path, "spool");
        string stale = Path.Combine(spool, "session-00000000000000aa");
        string recent = Path.Combine(spool, "session-00000000000000bb");
        foreach (string session in new[] { stale, recent })
        {
            Directory.CreateDirectory(session);
            File.WriteAllBytes(Path.Combine(session, "state"), new byte[4096]);
            File.WriteAllBytes(Path.Combine(session, "object"), new byte[1000]);
        }

        foreach (string file in Directory.GetFiles(stale))
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddDays(-8));
        }

        var (_, run, stop) = StartReceiver(TestTickets.Receive(Ports.FreeLoopback(), spool) with { SpoolMaxAge = TimeSpan.FromDays(7) }, new Inbox(), "recv");
        Assert.True(SpinWait.SpinUntil(() => !Directory.Exists(stale), Patience), "the stale spool was not deleted");
        Assert.True(Directory.Exists(recent), "a spool that received something recently must stay");
        await StopAsync(run, stop);
    }

    [Fact]
    public async Task Five_percent_random_loss_with_25_percent_overhead_completes_in_one_pass_byte_exact()
    {
        string source = _dir.File("object.bin", 6 << 20, seed: 1);
        IPEndPoint endpoint = Ports.FreeLoopback();
        var inbox = new Inbox();
        byte[] descriptor = [1, 2, 3, 4, 5];
        byte[]? seenDescriptor = null;
        var (receiver, run, stop) = StartReceiver(TestTickets.Receive(endpoint, Path.Combine(_dir.Path, "spool")) with { WantsSession = d => { seenDescriptor = d.ToArray(); return true; } }, inbox, "recv");

        var options = TestTickets.Send(endpoint, 200_000_000) with { Passes = 1, FecOverhead = 0.25, DropSymbol = (s, pass) => Lose(s, pass, 500) };
        UdpSendReport report = await Sender().SendAsync(source, descriptor, options, null, CancellationToken.None);

        var (received, bytes) = await inbox.First.WaitAsync(Patience);
        output.WriteLine(receiver.Describe());
        Assert.Equal(File.ReadAllBytes(source), bytes);
        Assert.Equal(descriptor, received.Descriptor.ToArray());
        Assert.Equal(descriptor, seenDescriptor);
        Assert.Equal(1, report.Passes);
        Assert.True(receiver.Stats.BlocksDecoded > 0, "loss should have needed FEC");
        Assert.InRange(receiver.Stats.LossRate, 0.03, 0.07);
        Assert.True(receiver.Stats.MinFecMargin >= 0);
        Assert.Equal(0, receiver.Stats.DecodeFailures);
        Assert.Equal(0, receiver.Stats.DroppedForeign); // the beacons for version-1 receivers are not news here
        Assert.Equal(0, receiver.Stats.AnnouncesRejected);
        await StopAsync(run, stop);

        // Finished sessions stay finished: the spool is gone and the id is remembered.
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, "spool", $"session-{received.SessionId:x16}")));
        Assert.Contains($"{received.SessionId:x16} Applied", File.ReadAllText(Path.Combine(_dir.Path, "spool", "finished-sessions")));
    }

    [Fact]
    public async Task Ranges_of_one_file_sent_back_to_back_as_primed_sessions_arrive_as_objects_of_exactly_those_bytes()
    {
        string source = _dir.File("stream.bin", 3 << 20, seed: 3);
        byte[] all = File.ReadAllBytes(source);
        IPEndPoint endpoint = Ports.FreeLoopback();
        var received = new System.Collections.Concurrent.ConcurrentDictionary<ulong, byte[]>();
        var bothIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var receiver = new UdpReceiver(new TestLogger(output, "recv"), TimeProvider.System);
        using var stop = new CancellationTokenSource();
        Task run = Task.Run(() => receiver.RunAsync(TestTickets.Receive(endpoint, Path.Combine(_dir.Path, "spool")), async (o, ct) =>
        {
            received[o.SessionId] = await File.ReadAllBytesAsync(o.Path, ct);
            if (received.Count == 2)
            {
                bothIn.TrySetResult();
            }

            return ObjectDisposition.Applied;
        }, stop.Token));
        Assert.True(SpinWait.SpinUntil(() => receiver.Stats.GrantedReceiveBufferBytes > 0 || run.IsCompleted, Patience), "receiver did not bind");

        var sender = Sender();
        var options = TestTickets.Send(endpoint, 200_000_000) with { Passes = 1 };
        using var file = File.OpenHandle(source);
        long cut = 1_000_003; // not a symbol boundary
        await using var first = sender.Prepare(file, 0, cut, SHA256.HashData(all.AsSpan(0, (int)cut)), new byte[] { 1 }, options with { SessionId = 11 }, null);
        await using var second = sender.Prepare(file, cut, all.Length - cut, SHA256.HashData(all.AsSpan((int)cut)), new byte[] { 2 }, options with { SessionId = 12 }, null);
        first.StartProducing(CancellationToken.None);
        second.StartProducing(CancellationToken.None); // primed while the first is on the wire
        await first.RunAsync(CancellationToken.None);
        await second.RunAsync(CancellationToken.None);

        await bothIn.Task.WaitAsync(Patience);
        Assert.Equal(all.AsSpan(0, (int)cut).ToArray(), received[11]);
        Assert.Equal(all.AsSpan((int)cut).ToArray(), received[12]);
        await StopAsync(run, stop);
    }

    [Fact]
    public async Task A_lost_first_announce_costs_nothing_the_symbols_before_the_next_are_held_and_stored()
    {
        // No FEC and one pass: every symbol sent before the second announce must be put to use, or the object
        // cannot complete. The pass (~90 ms) is shorter than the 200 ms announce interval, so the second announce
        // is also the one the sender adds by packet count.
        string source = _dir.File("object.bin", 2 << 20, seed: 5);
        IPEndPoint endpoint = Ports.FreeLoopback();
        var inbox = new Inbox();
        var (receiver, run, stop) = StartReceiver(TestTickets.Receive(endpoint, Path.Combine(_dir.Path, "spool")), inbox, "recv");

        int rounds = 0;
        var options = TestTickets.Send(endpoint, 200_000_000) with
        {
            Passes = 1,
            FecOverhead = 0,
            DropAnnounce = (round, _) => Interlocked.Increment(ref rounds) == 1,
        };
        await Sender().SendAsync(source, new byte[] { 1 }, options, null, CancellationToken.None);

        var (_, bytes) = await inbox.First.WaitAsync(Patience);
        output.WriteLine(receiver.Describe());
        Assert.Equal(File.ReadAllBytes(source), bytes);
        Assert.True(rounds >= 8, $"a pass carried only {rounds} rounds of announces");
        Assert.True(receiver.Stats.EarlySymbolsStored > 0, receiver.Describe());
        Assert.Equal(0, receiver.Stats.DroppedUnannounced);
        await StopAsync(run, stop);
    }

    [Fact]
    public async Task A_receiver_restarted_on_its_spool_resumes_and_completes_from_the_next_pass()
    {
        string source = _dir.File("object.bin", 4 << 20, seed: 2);
        string spool = Path.Combine(_dir.Path, "spool");
        IPEndPoint endpoint = Ports.FreeLoopback();
        var firstInbox = new Inbox();
        var secondInbox = new Inbox();
        var first = StartReceiver(TestTickets.Receive(endpoint, spool), firstInbox, "recv-1");
        (UdpReceiver Receiver, Task Run, CancellationTokenSource Stop)? second = null;
        long blocks = 0;

        var options = TestTickets.Send(endpoint, 200_000_000) with
        {
            Passes = 2,
            // Pass 1 reaches only the first half of the blocks; the receiver is then stopped and a new one started.
            DropSymbol = (s, pass) => pass == 1 && s.Block >= blocks / 2,
            PassStarting = pass =>
            {
                if (pass != 2)
                {
                    return;
                }

                Assert.True(SpinWait.SpinUntil(() => first.Receiver.Stats.BlocksComplete >= blocks / 2, Patience));
                first.Stop.Cancel();
                Assert.True(SpinWait.SpinUntil(() => first.Run.IsCompleted, Patience));
                second = StartReceiver(TestTickets.Receive(endpoint, spool), secondInbox, "recv-2");
            },
        };
        blocks = new ObjectLayout(4 << 20, options.SymbolSize, options.DataSymbolsPerBlock).BlockCount;

        await Sender().SendAsync(source, ReadOnlyMemory<byte>.Empty, options, null, CancellationToken.None);
        var (_, bytes) = await secondInbox.First.WaitAsync(Patience);
        Assert.Equal(File.ReadAllBytes(source), bytes);
        Assert.Equal(0, firstInbox.Calls);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.Run);

        UdpReceiverStats stats = second!.Value.Receiver.Stats;
        output.WriteLine(stats.Describe());
        Assert.Equal(blocks / 2, stats.BlocksResumed);
        Assert.True(stats.SymbolsResumed >= blocks / 2 * options.DataSymbolsPerBlock);
        // Only pass-2 symbols of the missing half were needed: at most k + r per missing block.
        Assert.True(stats.SymbolsStored <= (blocks - blocks / 2) * (options.DataSymbolsPerBlock + options.RepairPerPass));
        await StopAsync(second.Value.Run, second.Value.Stop);
    }

    [Fact]
    public async Task Garbage_truncated_and_foreign_datagrams_are_counted_and_dropped()
    {
        IPEndPoint endpoint = Ports.FreeLoopback();
        var (receiver, run, stop) = StartReceiver(TestTickets.Receive(endpoint, Path.Combine(_dir.Path, "spool")), new Inbox(), "recv");
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var random = new Random(3);
        for (int i = 0; i < 50; i++)
        {
            var junk = new byte[random.Next(1, 1400)];
            random.NextBytes(junk);
            client.SendTo(junk, endpoint);
        }

        var valid = new byte[PacketCodec.DatagramSize(200, mac: false)];
        PacketCodec.WriteHeader(valid, new PacketHeader(PacketType.Symbol, 1, 77, 0, 0, 0, 200), mac: false);
        PacketCodec.Seal(valid, null);
        client.SendTo(valid.AsSpan(0, 100), SocketFlags.None, endpoint);
        byte[] otherVersion = (byte[])valid.Clone();
        otherVersion[4] = 9;
        client.SendTo(otherVersion, endpoint);
        client.SendTo(valid, endpoint); // well-formed but never announced

        Assert.True(SpinWait.SpinUntil(() => receiver.Stats.PacketsReceived >= 53 && receiver.Stats.DroppedUnannounced >= 1, Patience), receiver.Describe());
        Assert.Equal(50, receiver.Stats.DroppedGarbage);
        Assert.Equal(1, receiver.Stats.DroppedTruncated);
        Assert.Equal(1, receiver.Stats.DroppedForeign);
        Assert.Equal(1, receiver.Stats.DroppedUnannounced);
        Assert.Equal(0, receiver.Stats.SymbolsStored);
        await StopAsync(run, stop);
    }

    [Fact]
    public async Task A_wrong_mac_key_lets_nothing_reach_the_decoder()
    {
        string source = _dir.File("object.bin", 1 << 20, seed: 4);
        IPEndPoint endpoint = Ports.FreeLoopback();
        var inbox = new Inbox();
        byte[] receiverKey = [.. Enumerable.Repeat((byte)7, 32)];
        byte[] senderKey = [.. Enumerable.Repeat((byte)8, 32)];
        var (receiver, run, stop) = StartReceiver(TestTickets.Receive(endpoint, Path.Combine(_dir.Path, "spool")) with { MacKey = receiverKey }, inbox, "recv");

        UdpSendReport report = await Sender().SendAsync(source, new byte[] { 9 }, TestTickets.Send(endpoint, 200_000_000) with { Passes = 1, MacKey = senderKey }, null, CancellationToken.None);

        Assert.True(SpinWait.SpinUntil(() => receiver.Stats.DroppedBadMac >= report.Packets * 9 / 10, Patience), receiver.Describe());
        Assert.Equal(0, receiver.Stats.SymbolsStored);
        Assert.Equal(0, receiver.Stats.SessionsActive);
        Assert.Equal(0, inbox.Calls);
        await StopAsync(run, stop);
    }

    [Fact]
    public async Task A_sender_whose_tickets_no_trusted_key_sealed_gets_nothing_spooled_even_without_a_mac()
    {
        string source = _dir.File("object.bin", 1 << 20, seed: 4);
        string spool = Path.Combine(_dir.Path, "spool");
        IPEndPoint endpoint = Ports.FreeLoopback();
        var inbox = new Inbox();
        var (receiver, run, stop) = StartReceiver(TestTickets.Receive(endpoint, spool), inbox, "recv");

        UdpSendReport report = await Sender().SendAsync(source, new byte[] { 9 }, TestTickets.Send(endpoint, 200_000_000) with { Passes = 1, Signer = TestTickets.ForeignSigner }, null, CancellationToken.None);

        Assert.True(SpinWait.SpinUntil(() => receiver.Stats.DroppedUnannounced >= report.Packets * 8 / 10, Patience), receiver.Describe());
        Assert.True(receiver.Stats.AnnouncesRejected > 0, receiver.Describe());
        Assert.Equal(0, receiver.Stats.SymbolsStored);
        Assert.Equal(0, receiver.Stats.SessionsActive);
        Assert.Empty(Directory.GetDirectories(spool));
        await StopAsync(run, stop);
        Assert.Equal(0, inbox.Calls);
    }

    [Fact]
    public async Task A_matching_mac_key_delivers_and_cancelling_a_send_stops_it_cleanly()
    {
        string source = _dir.File("object.bin", 2 << 20, seed: 5);
        IPEndPoint endpoint = Ports.FreeLoopback();
        var inbox = new Inbox();
        byte[] key = [.. Enumerable.Repeat((byte)7, 32)];
        var (receiver, run, stop) = StartReceiver(TestTickets.Receive(endpoint, Path.Combine(_dir.Path, "spool")) with { MacKey = key }, inbox, "recv");

        await Sender().SendAsync(source, ReadOnlyMemory<byte>.Empty, TestTickets.Send(endpoint, 200_000_000) with { Passes = 1, MacKey = key }, null, CancellationToken.None);
        var (_, bytes) = await inbox.First.WaitAsync(Patience);
        Assert.Equal(File.ReadAllBytes(source), bytes);
        Assert.Equal(0, receiver.Stats.DroppedBadMac);

        // A slow send of many passes, cancelled early, ends promptly with OperationCanceledException.
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Sender().SendAsync(source, ReadOnlyMemory<byte>.Empty, TestTickets.Send(endpoint, 10_000_000) with { Passes = 50, MacKey = key }, null, cancel.Token).WaitAsync(Patience));
        await StopAsync(run, stop);

        // No carrier thread outlives its call (Linux shows managed thread names in /proc/self/task/*/comm).
        Assert.True(SpinWait.SpinUntil(() => CarrierThreads().Count == 0, Patience), string.Join(", ", CarrierThreads()));
    }

    private static List<string> CarrierThreads() =>
        Directory.GetDirectories("/proc/self/task")
            .Select(task => { try { return File.ReadAllText(Path.Combine(task, "comm")).Trim(); } catch (IOException) { return ""; } })
            .Where(name => name.StartsWith("udp-", StringComparison.Ordinal))
            .ToList();

    [Fact]
    public async Task One_multicast_sender_feeds_two_receivers()
    {
        string source = _dir.File("object.bin", 1 << 20, seed: 6);
        int port = Ports.FreeLoopback().Port;
        var group = IPAddress.Parse("239.255.77.1");
        var inboxes = new[] { new Inbox(), new Inbox() };
        var receivers = Enumerable.Range(0, 2)
            .Select(i => StartReceiver(TestTickets.Receive(new IPEndPoint(IPAddress.Loopback, port), Path.Combine(_dir.Path, $"spool{i}")) with { Group = group }, inboxes[i], $"recv-{i}"))
            .ToArray();

        await Sender().SendAsync(source, ReadOnlyMemory<byte>.Empty, TestTickets.Send(new IPEndPoint(group, port), 100_000_000) with { Passes = 1, LocalAddress = IPAddress.Loopback, Ttl = 0 }, null, CancellationToken.None);

        byte[] expected = File.ReadAllBytes(source);
        foreach (Inbox inbox in inboxes)
        {
            var (_, bytes) = await inbox.First.WaitAsync(Patience);
            Assert.Equal(expected, bytes);
        }

        foreach (var (_, run, stop) in receivers)
        {
            await StopAsync(run, stop);
        }
    }

    [Fact]
    public async Task An_empty_object_is_delivered_from_its_announce_alone()
    {
        string source = _dir.File("empty.bin", 0, seed: 7);
        IPEndPoint endpoint = Ports.FreeLoopback();
        var inbox = new Inbox();
        var (_, run, stop) = StartReceiver(TestTickets.Receive(endpoint, Path.Combine(_dir.Path, "spool")), inbox, "recv");

        await Sender().SendAsync(source, new byte[] { 42 }, TestTickets.Send(endpoint, 10_000_000) with { Passes = 1, AnnounceInterval = TimeSpan.FromMilliseconds(20) }, null, CancellationToken.None);

        var (received, bytes) = await inbox.First.WaitAsync(Patience);
        Assert.Empty(bytes);
        Assert.Equal(0, received.Length);
        Assert.Equal(new byte[] { 42 }, received.Descriptor.ToArray());
        await StopAsync(run, stop);
    }

    [Fact]
    public async Task An_object_complete_but_not_handed_over_is_offered_again_at_the_next_start()
    {
        string source = _dir.File("object.bin", 1 << 20, seed: 8);
        string spool = Path.Combine(_dir.Path, "spool");
        IPEndPoint endpoint = Ports.FreeLoopback();
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var stuck = new UdpReceiver(new TestLogger(output, "recv-1"), TimeProvider.System);
        using var stopStuck = new CancellationTokenSource();
        Task stuckRun = Task.Run(() => stuck.RunAsync(TestTickets.Receive(endpoint, spool), async (_, ct) =>
        {
            entered.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return ObjectDisposition.Applied;
        }, stopStuck.Token));
        Assert.True(SpinWait.SpinUntil(() => stuck.Stats.GrantedReceiveBufferBytes > 0, Patience));

        await Sender().SendAsync(source, new byte[] { 5 }, TestTickets.Send(endpoint, 200_000_000) with { Passes = 1 }, null, CancellationToken.None);
        await entered.Task.WaitAsync(Patience);
        await stopStuck.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stuckRun.WaitAsync(Patience));

        // No sender any more: the next run hands the spooled object over by itself.
        var inbox = new Inbox();
        var (_, run, stop) = StartReceiver(TestTickets.Receive(endpoint, spool), inbox, "recv-2");
        var (received, bytes) = await inbox.First.WaitAsync(Patience);
        Assert.Equal(File.ReadAllBytes(source), bytes);
        Assert.Equal(new byte[] { 5 }, received.Descriptor.ToArray());
        await StopAsync(run, stop);
        Assert.Empty(Directory.GetDirectories(spool));
    }

    private sealed class ProgressLog : IProgress<UdpSendProgress>
    {
        public List<UdpSendProgress> Reports { get; } = [];

        public void Report(UdpSendProgress value)
        {
            lock (Reports)
            {
                Reports.Add(value);
            }
        }
    }

    [Fact]
    public async Task Bursts_of_400_lost_packets_are_spread_over_the_interleaved_blocks_and_measured()
    {
        string source = _dir.File("object.bin", 16 << 20, seed: 9);
        IPEndPoint endpoint = Ports.FreeLoopback();
        var inbox = new Inbox();
        var (receiver, run, stop) = StartReceiver(TestTickets.Receive(endpoint, Path.Combine(_dir.Path, "spool")), inbox, "recv");

        // Called on the send thread in send order: lose 400 consecutive symbol packets out of every 8000 (5 %).
        long sent = 0;
        var progress = new ProgressLog();
        var options = TestTickets.Send(endpoint, 300_000_000) with { Passes = 1, DropSymbol = (_, _) => sent++ % 8000 is >= 1000 and < 1400 };
        UdpSendReport report = await Sender().SendAsync(source, ReadOnlyMemory<byte>.Empty, options, progress, CancellationToken.None);

        var (_, bytes) = await inbox.First.WaitAsync(Patience);
        output.WriteLine(receiver.Describe());
        Assert.Equal(File.ReadAllBytes(source), bytes);
        Assert.Equal(400, receiver.Stats.MaxBurst);
        Assert.Equal(400, receiver.Stats.MeanBurst, precision: 0);
        Assert.Equal(receiver.Stats.Bursts, receiver.Stats.BurstHistogram()[8]); // 256..511
        Assert.True(receiver.Stats.MinFecMargin >= 0);
        lock (progress.Reports)
        {
            Assert.NotEmpty(progress.Reports);
            Assert.Equal(report.Packets, progress.Reports[^1].Packets);
            Assert.Equal(report.WireBytes, progress.Reports[^1].WireBytes);
        }

        await StopAsync(run, stop);
    }

    [Fact]
    public async Task An_unwanted_session_is_ignored_and_leaves_no_spool()
    {
        string source = _dir.File("object.bin", 1 << 20, seed: 10);
        string spool = Path.Combine(_dir.Path, "spool");
        IPEndPoint endpoint = Ports.FreeLoopback();
        var inbox = new Inbox();
        int asked = 0;
        var (receiver, run, stop) = StartReceiver(TestTickets.Receive(endpoint, spool) with { WantsSession = d => { Interlocked.Increment(ref asked); return d.Span[0] != 0xBA; } }, inbox, "recv");

        UdpSendReport report = await Sender().SendAsync(source, new byte[] { 0xBA }, TestTickets.Send(endpoint, 200_000_000) with { Passes = 1 }, null, CancellationToken.None);

        Assert.True(SpinWait.SpinUntil(() => receiver.Stats.IgnoredPackets >= report.Packets * 9 / 10, Patience), receiver.Describe());
        Assert.Equal(1, asked);
        Assert.Equal(0, receiver.Stats.SymbolsStored);
        Assert.Empty(Directory.GetDirectories(spool));
        await StopAsync(run, stop);
        Assert.Equal(0, inbox.Calls);
    }

    [Fact]
    public async Task A_forged_symbol_without_a_mac_costs_a_re_collection_never_a_wrong_byte()
    {
        string source = _dir.File("object.bin", 2 << 20, seed: 13);
        IPEndPoint endpoint = Ports.FreeLoopback();
        var inbox = new Inbox();
        var (receiver, run, stop) = StartReceiver(TestTickets.Receive(endpoint, Path.Combine(_dir.Path, "spool")), inbox, "recv");
        using var forger = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

        var options = TestTickets.Send(endpoint, 200_000_000) with { Passes = 3, SessionId = 0xF00D };
        options = options with
        {
            // In pass 1 a forged data symbol (valid checksum, wrong bytes) takes the place of the real one.
            DropSymbol = (s, pass) =>
            {
                if (pass != 1 || s.Block != 0 || s.Symbol != 5)
                {
                    return false;
                }

                var forged = new byte[options.DatagramSize];
                PacketCodec.WriteHeader(forged, new PacketHeader(PacketType.Symbol, 1, 0xF00D, 0, 0, 5, (ushort)options.SymbolSize), mac: false);
                forged.AsSpan(PacketCodec.HeaderSize, options.SymbolSize).Fill(0xEE);
                PacketCodec.Seal(forged, null);
                forger.SendTo(forged, endpoint);
                return true;
            },
        };

        await Sender().SendAsync(source, ReadOnlyMemory<byte>.Empty, options, null, CancellationToken.None);
        var (_, bytes) = await inbox.First.WaitAsync(Patience);
        output.WriteLine(receiver.Describe());
        Assert.Equal(File.ReadAllBytes(source), bytes);
        Assert.Equal(1, receiver.Stats.HashMismatches);
        Assert.Equal(1, inbox.Calls);
        await StopAsync(run, stop);
    }

    [Fact]
    public async Task A_receiver_that_starts_mid_pass_joins_at_the_next_announce_and_completes_in_the_next_pass()
    {
        string source = _dir.File("object.bin", 4 << 20, seed: 14);
        IPEndPoint endpoint = Ports.FreeLoopback();
        var inbox = new Inbox();
        (UdpReceiver Receiver, Task Run, CancellationTokenSource Stop)? late = null;
        long storedInPassOne = -1;
        long seen = 0;
        var options = TestTickets.Send(endpoint, 50_000_000) with { Passes = 2 };
        long half = new SymbolSchedule(new ObjectLayout(4 << 20, options.SymbolSize, options.DataSymbolsPerBlock), options.RepairPerPass, options.Interleave).PacketsPerPass / 2;
        options = options with
        {
            // Called on the send thread before every symbol: halfway through pass 1 the receiver starts.
            DropSymbol = (_, _) =>
            {
                if (++seen == half)
                {
                    late = StartReceiver(TestTickets.Receive(endpoint, Path.Combine(_dir.Path, "spool")), inbox, "late");
                }

                return false;
            },
            PassStarting = pass =>
            {
                if (pass == 2)
                {
                    storedInPassOne = late!.Value.Receiver.Stats.SymbolsStored;
                }
            },
        };

        await Sender().SendAsync(source, ReadOnlyMemory<byte>.Empty, options, null, CancellationToken.None);
        var (_, bytes) = await inbox.First.WaitAsync(Patience);
        Assert.Equal(File.ReadAllBytes(source), bytes);
        Assert.True(storedInPassOne > 0, "the late receiver should have joined during pass 1");
        await StopAsync(late!.Value.Run, late.Value.Stop);
    }

    [Fact]
    public async Task GF16_blocks_at_5_percent_random_loss_complete_in_one_pass_byte_exact()
    {
        // 20 MB in GF(2^16) blocks of 4096 data symbols (3 full and a short one), 6.25 % repairs: 5 % loss costs a
        // block about 205 of its 4352 symbols, well within its 256 repairs.
        string source = _dir.File("object.bin", 20_000_000, seed: 31);
        IPEndPoint endpoint = Ports.FreeLoopback();
        var inbox = new Inbox();
        var (receiver, run, stop) = StartReceiver(TestTickets.Receive(endpoint, Path.Combine(_dir.Path, "spool")), inbox, "recv");

        var options = TestTickets.Send(endpoint, 400_000_000) with
        {
            Code = FecCode.ReedSolomon16, DataSymbolsPerBlock = 4096, FecOverhead = 0.0625, Interleave = 1, Passes = 1, DropSymbol = (s, pass) => Lose(s, pass, 500),
        };
        UdpSendReport report = await Sender().SendAsync(source, ReadOnlyMemory<byte>.Empty, options, null, CancellationToken.None);

        var (_, bytes) = await inbox.First.WaitAsync(Patience);
        output.WriteLine(receiver.Describe());
        Assert.Equal(File.ReadAllBytes(source), bytes);
        Assert.Equal(4, report.Blocks);
        Assert.Equal(1408, options.SymbolSize);
        Assert.Equal(4, receiver.Stats.BlocksDecoded);
        Assert.Equal(0, receiver.Stats.DecodeFailures);
        Assert.InRange(receiver.Stats.LossRate, 0.03, 0.07);
        await StopAsync(run, stop);
    }

    [Fact]
    public async Task A_GF16_block_that_lost_more_than_its_repairs_completes_from_the_fresh_repairs_of_the_next_pass()
    {
        // Pass 1 loses a fifth of block 0 (far more than its 5 % of repairs) and nothing else; pass 2 sends k + r
        // repair symbols no earlier pass used, and loses a fifth of those too.
        string source = _dir.File("object.bin", 6_000_000, seed: 32);
        IPEndPoint endpoint = Ports.FreeLoopback();
        var inbox = new Inbox();
        var (receiver, run, stop) = StartReceiver(TestTickets.Receive(endpoint, Path.Combine(_dir.Path, "spool")), inbox, "recv");
        int stored = 0;
        var options = TestTickets.Send(endpoint, 400_000_000) with
        {
            Code = FecCode.ReedSolomon16, DataSymbolsPerBlock = 2048, FecOverhead = 0.05, Interleave = 2, Passes = 2,
            DropSymbol = (s, pass) => s.Block == 0 && Lose(s, pass, 2000),
            PassStarting = pass =>
            {
                if (pass == 2)
                {
                    Assert.True(SpinWait.SpinUntil(() => receiver.Stats.BlocksComplete >= 2, Patience));
                    stored = (int)receiver.Stats.BlocksComplete;
                }
            },
        };
        await Sender().SendAsync(source, ReadOnlyMemory<byte>.Empty, options, null, CancellationToken.None);

        var (_, bytes) = await inbox.First.WaitAsync(Patience);
        output.WriteLine(receiver.Describe());
        Assert.Equal(File.ReadAllBytes(source), bytes);
        Assert.Equal(2, stored); // blocks 1 and 2 after pass 1; block 0 could not be
        Assert.Equal(0, receiver.Stats.DecodeFailures);
        await StopAsync(run, stop);
    }
}

using System.Text.Json;
using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// The receiver's spool on a disk it shares: a session bigger than the spool's budget or the free space is refused
/// before anything is reserved, reported, and does not keep a smaller session out. (A stream sent in parts needs
/// room for one part at a time: completed parts move to the inbox in the inside's state.)
/// </summary>
[Collection(UdpDiodeCollection.Name)]
public sealed class UdpSpoolBudgetTests
{
    [SmallDiskFact]
    public async Task A_session_larger_than_the_free_space_is_refused_without_taking_a_block_and_a_smaller_one_still_arrives()
    {
        await using var rig = await UdpLoopbackRig.CreateAsync();
        await using var disk = await UdpSmallDisk.CreateAsync(24);
        TreeBuilder.Write(rig.Source, "pool/big.deb", TreeBuilder.RandomBytes(30_000_000, 1));

        // A budget far beyond the disk: what refuses the session here is the free-space check.
        var receiver = await rig.StartReceiveAsync("--spool", Path.Combine(disk.MountPoint, "spool"), "--spool-max-bytes", "1T");
        var free = await disk.AvailableBytesAsync();
        await RefusedThenSmallerArrivesAsync(rig, receiver, "free", async () =>
            Assert.True(await disk.AvailableBytesAsync() >= free - (1 << 20), $"the refused session took space:\n{receiver.Output}"));
    }

    [Fact]
    public async Task A_session_over_the_spool_budget_is_refused_and_listed_in_status_and_a_smaller_one_still_arrives()
    {
        await using var rig = await UdpLoopbackRig.CreateAsync();
        TreeBuilder.Write(rig.Source, "pool/big.deb", TreeBuilder.RandomBytes(5_000_000, 3));

        var receiver = await rig.StartReceiveAsync("--spool-max-bytes", "1M");
        await RefusedThenSmallerArrivesAsync(rig, receiver, "budget", async () =>
            Assert.True(await UdpLoopbackRig.AllocatedBytesAsync(Path.Combine(rig.InsideState, "udp-spool")) < 1 << 20, receiver.Output));
    }

    /// <summary>
    /// Sends <see cref="UdpLoopbackRig.Source"/> (too big for the receiver's spool) and checks it is refused for
    /// <paramref name="reason"/>, logged and listed in `status`, with <paramref name="nothingTaken"/> holding; then a
    /// small generation 1 (same key, another outside state) is published, and `status` forgets the refusal.
    /// </summary>
    private static async Task RefusedThenSmallerArrivesAsync(UdpLoopbackRig rig, ServerProcess receiver, string reason, Func<Task> nothingTaken)
    {
        // 256-block windows (47 MB): after its first part (1 MiB) the stream goes in one more, too large for the spool.
        var big = await rig.Send(rig.OutsideState, extra: ["--passes", "1", "--interleave", "256"]);
        Assert.True(big.ExitCode == 0, big.ToString());
        await receiver.WaitForOutputAsync("1 not admitted", seconds: 30);
        Assert.False(receiver.HasExited, $"the receiver ended on a session too large for its spool:\n{receiver.Output}");
        await nothingTaken();
        Assert.Contains(reason, receiver.Output.Split('\n').Single(l => l.Contains("is not collected", StringComparison.Ordinal)));
        var status = await Run.Ok(Run.Inside("status", "--state", rig.InsideState));
        Assert.Matches(@"pending: generation 1 \(full\) part \d+ is announced but not collected", status.Stdout);
        using (var json = JsonDocument.Parse((await Run.Ok(Run.Inside("status", "--state", rig.InsideState, "--json"))).Stdout))
        {
            var pending = Assert.Single(json.RootElement.GetProperty("pending").EnumerateArray());
            Assert.Equal("not_collected", pending.GetProperty("kind").GetString());
            Assert.Equal(1, pending.GetProperty("generation").GetInt64());
            Assert.True(json.RootElement.TryGetProperty("udp", out _), json.RootElement.ToString());
        }

        using (var outside = JsonDocument.Parse((await Run.Ok(Run.Outside("status", "--state", rig.OutsideState, "--json"))).Stdout))
        {
            var sent = outside.RootElement.GetProperty("last_by_carrier").GetProperty("udp");
            Assert.Equal("sent", sent.GetProperty("outcome").GetString());
            var spooled = Assert.Single(outside.RootElement.GetProperty("udp_spool").EnumerateArray());
            Assert.Equal(1, spooled.GetProperty("generation").GetInt64());
            Assert.True(spooled.GetProperty("bytes").GetInt64() > 5_000_000);
        }

        var small = rig.Dir("small-source");
        TreeBuilder.Write(small, "pool/small.deb", TreeBuilder.RandomBytes(300_000, 2));
        var send = await Run.Outside("send", "--source", small, "--state", rig.Dir("small-state"), "--key", rig.Key, "--udp", $"127.0.0.1:{rig.Port}", "--rate", "100M", "--quiet", "--passes", "2");
        Assert.True(send.ExitCode == 0, send.ToString());
        await receiver.WaitForOutputAsync("generation 1 published", seconds: 60);
        Assert.Equal(0, await receiver.StopAsync());
        TreeAssert.Equal(small, rig.Target);
        status = await Run.Ok(Run.Inside("status", "--state", rig.InsideState));
        Assert.DoesNotContain("not collected", status.Stdout);
    }
}

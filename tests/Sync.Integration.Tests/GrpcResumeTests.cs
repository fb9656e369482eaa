using System.Text.RegularExpressions;
using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// Cut transfers resume: the pusher killed, or the inside killed and restarted, partway through a generation; the
/// next push sends only what did not arrive, and the generation is published exactly once.
/// </summary>
[Collection("grpc")]
public sealed class GrpcResumeTests
{
    private const int LargeFile = 120_000_000;
    private const int SmallFiles = 40;
    private const int SmallFile = 2_000_000;
    internal const long NewBytes = LargeFile + (long)SmallFiles * SmallFile;

    // A push over loopback moves 200 MB in about a second; capped at 50 MB/s the cut points are seconds apart, so
    // the test reliably cuts where it means to on a busy machine.
    internal static readonly string[] PacedForCut = ["--max-rate", "400M"];

    internal static void MakeLargeTree(string root)
    {
        for (var i = 0; i < SmallFiles; i++)
        {
            TreeBuilder.Write(root, $"pool/main/s/small{i:D2}.deb", TreeBuilder.RandomBytes(SmallFile, 100 + i));
        }

        TreeBuilder.Write(root, "pool/main/z/large.deb", TreeBuilder.RandomBytes(LargeFile, 7));
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.7)]
    public async Task Killing_the_pusher_partway_and_pushing_again_sends_the_rest_only(double fraction)
    {
        using var pair = await SyncPair.CreateAsync();
        MakeLargeTree(pair.Source);
        var (server, url) = await pair.ServeInsideAsync();
        await using (server)
        {
            var (pusher, done) = Run.StartAgent("sync-outside", pair.PushArgs(url, PacedForCut));
            using (pusher)
            {
                await GrpcTests.WaitForStagedBytesAsync(pair, (long)(NewBytes * fraction), done);
                pusher.Kill();
                await done;
            }

            await server.WaitForOutputAsync("cut after");
            var resumed = await Run.Ok(pair.Push(url));
            Assert.Contains("generation 2 (full)", resumed.Stdout); // the cut push used number 1: numbers are never reused
            TreeAssert.Equal(pair.Source, pair.Target);
            await Run.Ok(pair.Verify());

            var received = ReceivedBytes(server.Output);
            Assert.True(received <= NewBytes * 1.10, $"{received} bytes received in total for {NewBytes} new bytes:\n{server.Output}");
            Assert.True(GrpcTests.BytesSent(resumed.Stdout) < NewBytes * (1 - fraction) + NewBytes * 0.1, resumed.Stdout);
            Assert.Equal(1, server.Occurrences("Published generation 2 from"));
            Assert.Equal(0, server.Occurrences("Published generation 1 from"));
        }
    }

    [Fact]
    public async Task Killing_the_inside_partway_and_restarting_it_resumes_without_resending()
    {
        using var pair = await SyncPair.CreateAsync();
        MakeLargeTree(pair.Source);
        var (server, url) = await pair.ServeInsideAsync();
        long sentBeforeCut;
        await using (server)
        {
            var (pusher, done) = Run.StartAgent("sync-outside", pair.PushArgs(url, PacedForCut));
            using (pusher)
            {
                await GrpcTests.WaitForStagedBytesAsync(pair, NewBytes / 2, done);
                server.KillHard();
                var cut = await done;
                Assert.NotEqual(0, cut.ExitCode);
                Assert.Contains("a new push resumes", cut.Stderr);
                Assert.Single(cut.Stderr.Trim().Split('\n'));
                sentBeforeCut = long.Parse(Regex.Match(cut.Stderr, @"(\d+) bytes sent").Groups[1].Value);
            }
        }

        Assert.False(Path.Exists(pair.Target), "a killed apply must not publish");
        var (restarted, url2) = await pair.ServeInsideAsync();
        await using (restarted)
        {
            var resumed = await Run.Ok(pair.Push(url2));
            TreeAssert.Equal(pair.Source, pair.Target);
            var total = sentBeforeCut + GrpcTests.BytesSent(resumed.Stdout);
            Assert.True(total <= NewBytes * 1.10, $"{total} bytes sent in total for {NewBytes} new bytes");
            Assert.Contains("Resuming:", restarted.Output);
        }

        await Run.Ok(pair.Verify());
    }

    [Fact]
    public async Task Stopping_the_inside_service_mid_apply_exits_cleanly_and_keeps_the_data_for_a_resume()
    {
        using var pair = await SyncPair.CreateAsync();
        MakeLargeTree(pair.Source);
        var (server, url) = await pair.ServeInsideAsync();
        long sentBeforeStop;
        await using (server)
        {
            var (pusher, done) = Run.StartAgent("sync-outside", pair.PushArgs(url, PacedForCut));
            using (pusher)
            {
                await GrpcTests.WaitForStagedBytesAsync(pair, NewBytes * 4 / 10, done);
                Assert.Equal(0, await server.StopAsync());
                var cut = await done;
                Assert.NotEqual(0, cut.ExitCode);
                Assert.True(Regex.IsMatch(cut.Stderr, @"(\d+) bytes sent"), cut.ToString());
                sentBeforeStop = long.Parse(Regex.Match(cut.Stderr, @"(\d+) bytes sent").Groups[1].Value);
            }

            Assert.Contains("cut after", server.Output);
        }

        Assert.False(Path.Exists(pair.Target), "a stopped apply must not publish");
        var (restarted, url2) = await pair.ServeInsideAsync();
        await using (restarted)
        {
            var resumed = await Run.Ok(pair.Push(url2));
            TreeAssert.Equal(pair.Source, pair.Target);
            Assert.Contains("Resuming:", restarted.Output);
            var total = sentBeforeStop + GrpcTests.BytesSent(resumed.Stdout);
            Assert.True(total <= NewBytes * 1.10, $"{total} bytes sent in total for {NewBytes} new bytes");
        }
    }

    /// <summary>Delta-stream bytes the inside logged: per cut sync ("cut after N bytes") and per published one.</summary>
    private static long ReceivedBytes(string log) =>
        Regex.Matches(log, @"cut after (\d+) bytes").Sum(m => long.Parse(m.Groups[1].Value)) +
        Regex.Matches(log, @": (\d+) bytes received").Sum(m => long.Parse(m.Groups[1].Value));
}

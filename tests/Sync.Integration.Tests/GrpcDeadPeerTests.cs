using Google.Protobuf;
using Sync.Core.Trust;
using System.Text.RegularExpressions;
using Sync.Integration.Tests.Infrastructure;
using Sync.Protocol;
using Sync.Protocol.V1;
using Sync.Transport.FileDrop;
using Sync.Transport.Grpc;
using Xunit.Abstractions;

namespace Sync.Integration.Tests;

/// <summary>
/// A sync that arrives while the server still closes the session of a peer that died waits for that session to
/// end (bounded) instead of being told busy, and is then served; a live sync still gets busy after the wait.
/// </summary>
[Collection("grpc")]
public sealed class GrpcDeadPeerTests
{
    private readonly ITestOutputHelper _output;

    public GrpcDeadPeerTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(false)] // a new push process, started right after the kill
    [InlineData(true)] // a second outside that has dialled already; its connection reaches the inside within a millisecond
    public async Task A_push_started_as_the_pusher_is_killed_is_served(bool connectedBeforeTheKill)
    {
        using var pair = await SyncPair.CreateAsync();
        GrpcResumeTests.MakeLargeTree(pair.Source);
        var (server, url) = await pair.ServeInsideAsync();
        await using (server)
        {
            // The second outside (its own state, the same key) in the held case: scanned ahead, and dialled before the
            // first is cut; a relay holds its connection until the first pusher is killed, so it arrives while the
            // inside is still closing the dead session and keeping what arrived.
            var secondState = pair.Dir("second-outside-state");
            if (connectedBeforeTheKill)
            {
                await Run.Ok(Run.Outside("scan", "--source", pair.Source, "--state", secondState));
            }

            await using var relay = new HeldTcpRelay(new Uri(url).Port);
            Task<ProcessResult>? second = null;
            ProcessResult next;
            var (pusher, done) = Run.StartAgent("sync-outside", pair.PushArgs(url, GrpcResumeTests.PacedForCut));
            using (pusher)
            {
                if (connectedBeforeTheKill)
                {
                    second = Run.Outside("push", "--source", pair.Source, "--state", secondState, "--key", pair.Key, "--to", $"http://127.0.0.1:{relay.Port}", "--quiet");
                    await relay.Accepted.WaitAsync(TimeSpan.FromMinutes(2));
                }

                await GrpcTests.WaitForStagedBytesAsync(pair, GrpcResumeTests.NewBytes / 2, done);
                pusher.Kill(); // SIGKILL: the inside learns of it from the closed connection
                relay.Release();
                await done;
                next = await (second ?? pair.Push(url)); // else at once, without waiting for the inside to close the dead session
            }

            // A push that dies after taking its generation number uses it up: the next push from the same state is 2.
            var generation = connectedBeforeTheKill ? 1 : 2;
            Assert.True(next.ExitCode == 0, $"{next}\n{server.Output}");
            Assert.Contains($"generation {generation} (full)", next.Stdout);
            TreeAssert.Equal(pair.Source, pair.Target);
            Assert.Equal(1, server.Occurrences($"Published generation {generation} from"));
            Report(server.Output);
        }
    }

    [Fact]
    public async Task A_call_arriving_while_a_cut_session_closes_is_admitted_not_told_busy()
    {
        using var pair = await SyncPair.CreateAsync();
        GrpcTests.MakeTree(pair.Source);
        var frames = await RecordGenerationAsync(pair);
        var (server, url) = await pair.ServeInsideAsync();
        await using (server)
        {
            using var channel = GrpcClient.Create(url, TlsSettings.None);
            var client = new InsideEndpoint.InsideEndpointClient(channel);
            using (var cut = new CancellationTokenSource())
            {
                // Everything but the last frames: the inside is staging the generation when the call is reset.
                var first = client.Push(cancellationToken: cut.Token);
                await OpenAsync(first);
                foreach (var frame in frames[..^2])
                {
                    await first.RequestStream.WriteAsync(frame);
                }

                await WaitForStagedObjectsAsync(pair, server);
                await cut.CancelAsync();
                first.Dispose();
            }

            using (var second = client.Push())
            {
                var answer = await OpenAsync(second);
                Assert.True(answer.BodyCase == InsideMessage.BodyOneofCase.Holdings, $"expected holdings, got {answer}\n{server.Output}");
            }

            await Run.Ok(pair.Push(url));
            TreeAssert.Equal(pair.Source, pair.Target);
            Report(server.Output);
        }
    }

    [Fact]
    public async Task A_pull_started_right_after_the_puller_was_killed_is_served()
    {
        using var pair = await SyncPair.CreateAsync();
        GrpcResumeTests.MakeLargeTree(pair.Source);
        var (server, url) = await pair.ServeOutsideAsync("--max-rate", "400M");
        await using (server)
        {
            var (puller, done) = Run.StartAgent("sync-inside", [.. pair.PullArgs(url), "--quiet"]);
            using (puller)
            {
                await GrpcTests.WaitForStagedBytesAsync(pair, GrpcResumeTests.NewBytes / 3, done);
                puller.Kill();
                await done;
            }

            var next = await pair.Pull(url);
            Assert.True(next.ExitCode == 0, $"{next}\n{server.Output}");
            TreeAssert.Equal(pair.Source, pair.Target);
            Report(server.Output);
        }
    }

    [Fact]
    public async Task A_second_pull_while_a_live_one_holds_the_outside_is_told_busy_after_the_wait()
    {
        using var pair = await SyncPair.CreateAsync();
        GrpcTests.MakeTree(pair.Source);
        var (server, url) = await pair.ServeOutsideAsync("--busy-wait", "1s");
        await using (server)
        {
            using var channel = GrpcClient.Create(url, TlsSettings.None);
            using (var live = new OutsideEndpoint.OutsideEndpointClient(channel).Pull())
            {
                // The outside said hello: this pull holds it (it is still due to say what it holds).
                Assert.True(await live.ResponseStream.MoveNext(CancellationToken.None));
                Assert.Equal(OutsideMessage.BodyOneofCase.Hello, live.ResponseStream.Current.BodyCase);

                var second = await pair.Pull(url);
                Assert.True(second.ExitCode == 6, second.ToString());
                Assert.Contains("sync-inside: error: ", second.Stderr);
                Assert.Contains("is busy: the outside is busy serving", second.Stderr);
                Assert.False(Path.Exists(pair.Target));
            }

            // Once the live one is gone the outside serves again.
            await server.WaitForOutputAsync("cut");
            await Run.Ok(pair.Pull(url));
            TreeAssert.Equal(pair.Source, pair.Target);
        }
    }

    /// <summary>Writes the waits the server logged to the test output: the figures docs/grpc.md quotes.</summary>
    private void Report(string log)
    {
        foreach (Match m in Regex.Matches(log, @"waited [\d.]+ s for the previous one to end and started [\d.]+ ms after it did"))
        {
            _output.WriteLine(m.Value);
        }
    }

    private static async Task<InsideMessage> OpenAsync(Grpc.Core.AsyncDuplexStreamingCall<OutsideMessage, InsideMessage> call)
    {
        await call.RequestStream.WriteAsync(new OutsideMessage { Hello = new Hello { ProtocolVersion = GrpcLimits.ProtocolVersion, Agent = "test" } });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var first = call.ResponseStream.Current;
        while (first.BodyCase == InsideMessage.BodyOneofCase.Holdings && !call.ResponseStream.Current.Holdings.Last)
        {
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        }

        return first;
    }

    /// <summary>A genuine signed generation 1 of the pair's source, as the frames a push would send.</summary>
    private static async Task<List<OutsideMessage>> RecordGenerationAsync(SyncPair pair)
    {
        await Run.Ok(Run.Outside("export", "--source", pair.Source, "--state", pair.Dir("recording-state"), "--key", pair.Key, "--drop", pair.Drop, "--quiet"));
        var frames = new List<OutsideMessage>();
        using var trust = TrustStore.Load([pair.Key + ".pub"]);
        await using var reader = BundleReader.Open(Assert.Single(BundleCatalog.Scan(pair.Drop, trust)), pair.Drop);
        while (await reader.ReadAsync(CancellationToken.None) is { } frame)
        {
            // ToWire wraps the reader's buffer, which the next read reuses, and Clone shares the bytes: serialize now.
            frames.Add(OutsideMessage.Parser.ParseFrom(new OutsideMessage { Frame = FrameCodec.ToWire(frame) }.ToByteArray()));
        }

        return frames;
    }

    private static async Task WaitForStagedObjectsAsync(SyncPair pair, ServerProcess server)
    {
        var objects = Path.Combine(pair.InsideState, "staging", "incoming", "objects");
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (!Directory.Exists(objects) || !Directory.EnumerateFiles(objects).Any(f => Path.GetFileName(f).Length == 64))
        {
            Assert.True(
                DateTime.UtcNow < deadline,
                $"the inside staged nothing; state holds: {string.Join(", ", Directory.EnumerateFileSystemEntries(pair.InsideState, "*", SearchOption.AllDirectories).Select(p => Path.GetRelativePath(pair.InsideState, p)))}\n{server.Output}");
            await Task.Delay(10);
        }
    }
}

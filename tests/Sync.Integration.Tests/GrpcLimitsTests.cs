using Google.Protobuf;
using Grpc.Core;
using Sync.Integration.Tests.Infrastructure;
using Sync.Protocol.V1;
using Sync.Transport.Grpc;

namespace Sync.Integration.Tests;

/// <summary>
/// What a peer controls is bounded on both agents: a puller that stalls or stops reading is given up on after the
/// outside's idle timeout, holdings beyond their bounds are refused with ResourceExhausted and one log line, and a
/// peer's free text is cut to one short line. Each time the server then serves an honest peer.
/// </summary>
[Collection("grpc")]
public sealed class GrpcLimitsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task The_outside_gives_up_on_a_puller_that_stalls_after_its_hello()
    {
        using var pair = await SyncPair.CreateAsync();
        GrpcTests.MakeTree(pair.Source);
        var (server, url) = await pair.ServeOutsideAsync("--idle-timeout", "2s");
        await using (server)
        {
            using var channel = GrpcClient.Create(url, TlsSettings.None);
            using (var stalled = new OutsideEndpoint.OutsideEndpointClient(channel).Pull())
            {
                Assert.True(await stalled.ResponseStream.MoveNext(CancellationToken.None));
                Assert.Equal(OutsideMessage.BodyOneofCase.Hello, stalled.ResponseStream.Current.BodyCase);

                // Says nothing about what it holds.
                Assert.Equal(StatusCode.DeadlineExceeded, await StatusAtEndAsync(stalled.ResponseStream));
                await server.WaitForOutputAsync("to say what it holds; gave up on it");
            }

            await Run.Ok(pair.Pull(url));
            TreeAssert.Equal(pair.Source, pair.Target);
        }
    }

    [Fact]
    public async Task The_outside_gives_up_on_a_puller_that_stops_reading()
    {
        using var pair = await SyncPair.CreateAsync();
        // More than the flow-control windows and socket buffers hold, so the outside's sends block.
        TreeBuilder.Write(pair.Source, "pool/main/b/big.deb", TreeBuilder.RandomBytes(80_000_000, 5));
        var (server, url) = await pair.ServeOutsideAsync("--idle-timeout", "2s");
        await using (server)
        {
            using var channel = GrpcClient.Create(url, TlsSettings.None);
            using (var stalled = new OutsideEndpoint.OutsideEndpointClient(channel).Pull())
            {
                await stalled.RequestStream.WriteAsync(new InsideMessage { Holdings = new Holdings { Last = true } });
                await server.WaitForOutputAsync("took nothing (it stopped reading) for 2 s; gave up on it", seconds: 60);
            }

            await Run.Ok(pair.Pull(url));
            TreeAssert.Equal(pair.Source, pair.Target);
        }
    }

    [Fact]
    public async Task Holdings_beyond_their_bounds_are_refused_with_resource_exhausted()
    {
        using var pair = await SyncPair.CreateAsync();
        GrpcTests.MakeTree(pair.Source);
        var (server, url) = await pair.ServeOutsideAsync();
        await using (server)
        {
            using var channel = GrpcClient.Create(url, TlsSettings.None);
            var client = new OutsideEndpoint.OutsideEndpointClient(channel);

            // One message with more digests than an honest inside batches.
            Assert.Equal(StatusCode.ResourceExhausted, await ClaimAsync(client, [Batch(GrpcLimits.DigestsPerMessage + 1, last: true)]));
            await server.WaitForOutputAsync($"sent {GrpcLimits.DigestsPerMessage + 1} held digests in one message");

            // More digests than a fresh outside's generations could name (it sent none: one batch at most).
            Assert.Equal(StatusCode.ResourceExhausted, await ClaimAsync(client, [Batch(GrpcLimits.DigestsPerMessage, last: false), Batch(10, last: true)]));
            await server.WaitForOutputAsync("claims to hold more than 65536 contents and chunks");

            // Holdings that never end, however small.
            Assert.Equal(StatusCode.ResourceExhausted, await ClaimAsync(client, Enumerable.Range(0, 1000).Select(_ => Batch(0, last: false))));
            await server.WaitForOutputAsync("holdings messages for 0 digests");

            Assert.Equal(3, server.Occurrences("WRN Sync to"));
            await Run.Ok(pair.Pull(url));
            TreeAssert.Equal(pair.Source, pair.Target);
        }
    }

    [Fact]
    public async Task A_peers_free_text_reaches_logs_and_answers_as_one_short_line()
    {
        using var pair = await SyncPair.CreateAsync();
        var (server, url) = await pair.ServeInsideAsync();
        await using (server)
        {
            using var channel = GrpcClient.Create(url, TlsSettings.None);
            using var call = new InsideEndpoint.InsideEndpointClient(channel).Push();
            await call.RequestStream.WriteAsync(new OutsideMessage { Hello = new Hello { ProtocolVersion = GrpcLimits.ProtocolVersion } });
            do
            {
                Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            }
            while (!call.ResponseStream.Current.Holdings.Last);

            var reason = "gave up\n" + new string('x', 1_000_000) + "\u001b[2J";
            await call.RequestStream.WriteAsync(new OutsideMessage { Abort = new Abort { Reason = reason } });
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            var outcome = call.ResponseStream.Current.Outcome;
            Assert.Equal(Outcome.Types.Status.Failed, outcome.Status);
            Assert.True(outcome.Message.Length < 1000, $"{outcome.Message.Length} characters");
            Assert.DoesNotContain('\n', outcome.Message);
            Assert.Contains("(1000012 characters)", outcome.Message);

            await server.WaitForOutputAsync("(1000012 characters)");
            Assert.All(server.Output.Split('\n'), line => Assert.True(line.Length < 2000, $"a log line of {line.Length} characters"));
            Assert.DoesNotContain('\u001b', server.Output);
        }
    }

    private static InsideMessage Batch(int digests, bool last)
    {
        var holdings = new Holdings { Last = last };
        var bytes = new byte[32];
        for (var i = 0; i < digests; i++)
        {
            BitConverter.TryWriteBytes(bytes, i);
            holdings.Contents.Add(ByteString.CopyFrom(bytes));
        }

        return new InsideMessage { Holdings = holdings };
    }

    /// <summary>Pulls with the given holdings and returns the status the outside ended the call with.</summary>
    private static async Task<StatusCode> ClaimAsync(OutsideEndpoint.OutsideEndpointClient client, IEnumerable<InsideMessage> holdings)
    {
        using var call = client.Pull();
        try
        {
            foreach (var message in holdings)
            {
                await call.RequestStream.WriteAsync(message);
            }
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The outside ended the call while we were still claiming.
        }

        return await StatusAtEndAsync(call.ResponseStream);
    }

    /// <summary>Reads to the end of the call (within a minute) and returns its status.</summary>
    private static async Task<StatusCode> StatusAtEndAsync(IAsyncStreamReader<OutsideMessage> responses)
    {
        using var patience = new CancellationTokenSource(Patience);
        try
        {
            while (await responses.MoveNext(patience.Token))
            {
            }

            return StatusCode.OK;
        }
        catch (RpcException e) when (!patience.IsCancellationRequested)
        {
            return e.StatusCode;
        }
    }
}

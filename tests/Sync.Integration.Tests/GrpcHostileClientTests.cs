using Google.Protobuf;
using Grpc.Core;
using Sync.Integration.Tests.Infrastructure;
using Sync.Protocol;
using Sync.Protocol.V1;
using Sync.Transport.FileDrop;
using Sync.Transport.Grpc;

namespace Sync.Integration.Tests;

/// <summary>
/// A client that does not play by the rules: malformed frames, bytes that are not protobuf at all, a replayed
/// generation. Each is refused, nothing published changes, and the server keeps serving honest pushes.
/// </summary>
[Collection("grpc")]
public sealed class GrpcHostileClientTests
{
    [Fact]
    public async Task Malformed_frames_garbage_and_replays_are_refused_and_the_server_keeps_serving()
    {
        using var pair = await SyncPair.CreateAsync();
        GrpcTests.MakeTree(pair.Source);
        // A genuine, signed generation 1, recorded as a bundle: the replay below sends it again.
        await Run.Ok(Run.Outside("export", "--source", pair.Source, "--state", pair.Dir("recording-state"), "--key", pair.Key, "--drop", pair.Drop, "--quiet"));
        var (server, url) = await pair.ServeInsideAsync();
        await using (server)
        {
            using var channel = GrpcClient.Create(url, TlsSettings.None);
            var client = new InsideEndpoint.InsideEndpointClient(channel);

            // A chunk frame whose digest is 3 bytes long, right after the hello.
            var malformed = await SendAsync(client, [new OutsideMessage { Frame = new Frame { Chunk = new ChunkData { Digest = ByteString.CopyFrom(1, 2, 3) } } }]);
            Assert.Equal(Outcome.Types.Status.Refused, malformed.Status);

            // A header frame that is not signed by anyone.
            var unsigned = await SendAsync(client, [new OutsideMessage { Frame = new Frame { Header = new Signed { Payload = ByteString.CopyFromUtf8("x") } } }]);
            Assert.Equal(Outcome.Types.Status.Refused, unsigned.Status);

            // Bytes that are not a protobuf message at all, on the same method.
            await SendGarbageAsync(channel);

            // The honest outside publishes generation 1...
            await Run.Ok(pair.Push(url));
            var published = TreeAssert.Describe(pair.Target);

            // ...and a recorded generation 1 sent again is a replay.
            using var trust = Sync.Core.Trust.TrustStore.Load([pair.Key + ".pub"]);
            var listing = Assert.Single(BundleCatalog.Scan(pair.Drop, trust));
            var frames = new List<OutsideMessage>();
            await using (var reader = BundleReader.Open(listing, pair.Drop))
            {
                while (await reader.ReadAsync(CancellationToken.None) is { } frame)
                {
                    // ToWire wraps the reader's buffer, which the next read reuses, and Clone shares the bytes: serialize now.
                    frames.Add(OutsideMessage.Parser.ParseFrom(new OutsideMessage { Frame = FrameCodec.ToWire(frame) }.ToByteArray()));
                }
            }

            var replay = await SendAsync(client, frames);
            Assert.Equal(Outcome.Types.Status.Refused, replay.Status);
            Assert.Contains("replayed or out of order", replay.Message);
            Assert.Equal(published, TreeAssert.Describe(pair.Target));

            // Still serving.
            GrpcTests.ChangeTree(pair.Source);
            await Run.Ok(pair.Push(url));
            TreeAssert.Equal(pair.Source, pair.Target);
            Assert.False(server.HasExited);
        }
    }

    private static async Task<Outcome> SendAsync(InsideEndpoint.InsideEndpointClient client, IReadOnlyList<OutsideMessage> messages)
    {
        using var call = client.Push();
        await call.RequestStream.WriteAsync(new OutsideMessage { Hello = new Hello { ProtocolVersion = 1, Agent = "hostile" } });
        while (await call.ResponseStream.MoveNext(CancellationToken.None))
        {
            if (call.ResponseStream.Current.BodyCase == InsideMessage.BodyOneofCase.Outcome)
            {
                return call.ResponseStream.Current.Outcome;
            }

            if (call.ResponseStream.Current.Holdings.Last)
            {
                try
                {
                    foreach (var message in messages)
                    {
                        await call.RequestStream.WriteAsync(message);
                    }

                    await call.RequestStream.CompleteAsync();
                }
                catch (RpcException)
                {
                    // The inside may answer and end the call before all frames are written.
                }
            }
        }

        throw new InvalidOperationException("the inside ended the call without an outcome");
    }

    private static async Task SendGarbageAsync(Grpc.Net.Client.GrpcChannel channel)
    {
        var raw = new Marshaller<byte[]>(bytes => bytes, bytes => bytes);
        var method = new Method<byte[], byte[]>(MethodType.DuplexStreaming, "sync.v1.InsideEndpoint", "Push", raw, raw);
        using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(method, null, new CallOptions());
        var failed = false;
        try
        {
            await call.RequestStream.WriteAsync([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]);
            await call.RequestStream.CompleteAsync();
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
            {
            }
        }
        catch (RpcException)
        {
            failed = true;
        }

        Assert.True(failed || call.GetStatus().StatusCode != StatusCode.OK, "garbage must not be accepted");
    }
}

using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;
using Sync.Core;
using Sync.Core.Export;
using Sync.Core.Trust;
using Sync.Fuzz.Targets;
using Sync.Protocol;
using Sync.Protocol.V1;
using Sync.Testing.FileSystem;
using Sync.Transport.Grpc;

namespace Sync.Fuzz.Tests;

/// <summary>Findings of the grpc-outside fuzz target, as tests of the session itself (the gRPC assembly has no unit test project).</summary>
public sealed class GrpcSessionTests : IDisposable
{
    private readonly TempDirectory _root = new("sync-grpc-session-");

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task An_inside_that_closes_while_the_outside_streams_is_reported_as_such_not_as_a_cancellation()
    {
        var source = _root.Combine("source");
        Directory.CreateDirectory(source);
        await File.WriteAllTextAsync(Path.Combine(source, "Release"), "Suite: stable\n");
        SigningKey.Generate(_root.Combine("outside.key"));
        using var key = SigningKey.Load(_root.Combine("outside.key"));
        var session = new OutsideSession(ProtobufWireCodec.Instance, NullLogger.Instance, TimeProvider.System, SyncGate.Private(TimeProvider.System));

        // The inside says it holds nothing, then the stream ends while the generation is being sent.
        var script = InputCursor.Join32([new InsideMessage { Holdings = new Holdings { Last = true } }.ToByteArray()]);
        var peer = new ScriptedPeer<OutsideMessage, InsideMessage>(script, bytes => InsideMessage.Parser.ParseFrom(bytes.Span));
        var e = await Assert.ThrowsAsync<SyncException>(() => session.RunAsync(
            peer, new OutsideSource(source, _root.Combine("state"), key, new ExportOptions()), TextWriter.Null, new OperationProgress(), CancellationToken.None));

        Assert.Contains("closed the connection without an answer", e.Message);
    }
}

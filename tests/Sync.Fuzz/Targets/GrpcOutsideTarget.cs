using Microsoft.Extensions.Logging.Abstractions;
using Sync.Core;
using Sync.Core.Export;
using Sync.Core.Trust;
using Sync.Protocol;
using Sync.Protocol.V1;
using Sync.Transport.Grpc;

namespace Sync.Fuzz.Targets;

/// <summary>
/// A whole gRPC sync as the outside runs it: <see cref="OutsideSession.RunAsync"/> reads what the inside says it holds
/// (holdings batches, digests, an early outcome), exports a one-file tree from a fresh state, streams it and reads
/// the outcome. Input: the inside's messages, each a 4-byte length then its bytes.
/// </summary>
internal sealed class GrpcOutsideTarget : FuzzTarget
{
    private static readonly Lazy<SigningKey> Key = new(MakeKey);

    public override string Name => "grpc-outside";

    public override string Decodes => "gRPC InsideMessages through OutsideSession.RunAsync (holdings, outcome) with a real export";

    protected override async Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var root = Scratch.Fresh("grpc-outside");
        var sourceDir = Path.Combine(root, "source");
        Directory.CreateDirectory(sourceDir);
        File.WriteAllText(Path.Combine(sourceDir, "Release"), "Origin: fuzz\nSuite: stable\n");
        var source = new OutsideSource(sourceDir, Path.Combine(root, "state"), Key.Value, new ExportOptions());
        var session = new OutsideSession(ProtobufWireCodec.Instance, NullLogger.Instance, TimeProvider.System, SyncGate.Private(TimeProvider.System));
        var peer = new ScriptedPeer<OutsideMessage, InsideMessage>(input, bytes => InsideMessage.Parser.ParseFrom(bytes.Span));
        _ = await session.RunAsync(peer, source, TextWriter.Null, new OperationProgress(), cancellationToken).ConfigureAwait(false);
    }

    private static SigningKey MakeKey()
    {
        var folder = Scratch.Fresh("grpc-outside-key");
        var path = Path.Combine(folder, "outside.key");
        SigningKey.Generate(path);
        return SigningKey.Load(path);
    }
}

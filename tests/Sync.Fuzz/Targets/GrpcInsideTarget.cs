using Microsoft.Extensions.Logging.Abstractions;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Protocol;
using Sync.Protocol.V1;
using Sync.Transport.Grpc;

namespace Sync.Fuzz.Targets;

/// <summary>
/// A whole gRPC sync as the inside serves it, against a fresh state and target: <see cref="InsideSession.RunAsync"/>
/// reads the outside's messages (hello, the frame stream via <see cref="GrpcDeltaSource"/> and
/// <see cref="FrameCodec.FromWire"/>, up-to-date, abort), verifies and publishes what verifies. The session must
/// answer every input with an outcome; an exception escaping it is a finding (the real server would drop the call
/// and log a cut link that never happened). Input: the outside's messages, each a 4-byte length then its bytes.
/// </summary>
internal sealed class GrpcInsideTarget : FuzzTarget
{
    public override string Name => "grpc-inside";

    public override string Decodes => "gRPC OutsideMessages through the inside's deserializer (PooledChunkMessages) and InsideSession.RunAsync (hello, frames, FromWire, apply) on a fresh state";

    protected override async Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var root = Scratch.Fresh("grpc-inside");
        var target = new InsideTarget(Path.Combine(root, "mirror"), Path.Combine(root, "state"), PublishMode.Snapshot, KeepSnapshots: 2)
        {
            IdleTimeout = TimeSpan.FromSeconds(30),
        };
        var session = new InsideSession(ProtobufWireCodec.Instance, FuzzKeys.Trust, NullLogger.Instance, TimeProvider.System, SyncGate.Private(TimeProvider.System));
        var peer = new ScriptedPeer<InsideMessage, OutsideMessage>(input, bytes => PooledChunkMessages.Decode(new System.Buffers.ReadOnlySequence<byte>(bytes)));
        var outcome = await session.RunAsync(peer, target, new OperationProgress(), cancellationToken).ConfigureAwait(false);
        if (outcome.Status == Outcome.Types.Status.Unspecified || (outcome.Status != Outcome.Types.Status.Published && string.IsNullOrEmpty(outcome.Message)))
        {
            throw new FuzzFinding($"the inside answered {outcome.Status} without saying why");
        }
    }
}

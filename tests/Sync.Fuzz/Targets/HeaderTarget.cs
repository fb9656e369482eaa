using Sync.Protocol;

namespace Sync.Fuzz.Targets;

/// <summary>
/// A delta header payload (what the outside signs) through <see cref="ProtobufWireCodec.ParseHeader"/>; an accepted
/// header must round-trip, since the outside and the inside compare headers by value.
/// </summary>
internal sealed class HeaderTarget : FuzzTarget
{
    public override string Name => "header";

    public override string Decodes => "a delta header payload: ProtobufWireCodec.ParseHeader";

    protected override Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var codec = ProtobufWireCodec.Instance;
        var header = codec.ParseHeader(input.Span);
        var again = codec.ParseHeader(codec.SerializeHeader(header));
        if (again.TargetGeneration != header.TargetGeneration || again.BaseGeneration != header.BaseGeneration ||
            again.TargetManifestDigest != header.TargetManifestDigest || again.PayloadBytes != header.PayloadBytes ||
            !again.StreamId.AsSpan().SequenceEqual(header.StreamId))
        {
            throw new FuzzFinding("an accepted delta header does not round-trip");
        }

        return Task.CompletedTask;
    }
}

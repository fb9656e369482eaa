using Google.Protobuf;
using Sync.Core.Streams;
using Sync.Protocol;

namespace Sync.Fuzz.Targets;

/// <summary>
/// One frame body, every kind (header, manifest slice, content begin, chunk, patch, end), through the hand-written
/// decoder the byte-stream carriers use. What it accepts, the generated parser (the gRPC carrier's) must read as the
/// same frame: the two paths of the inside must never disagree about what a frame says.
/// </summary>
internal sealed class FrameTarget : FuzzTarget
{
    public override string Name => "frame";

    public override string Decodes => "one frame body: FrameCodec.Decode, checked against the generated parser and FrameCodec.FromWire";

    protected override Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var frame = FrameCodec.Decode(input);
        Protocol.V1.Frame wire;
        try
        {
            wire = Protocol.V1.Frame.Parser.ParseFrom(input.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new FuzzFinding($"FrameCodec.Decode accepted a {frame.GetType().Name} the generated parser refuses: {e.Message}");
        }

        var viaWire = FrameCodec.FromWire(wire);
        var direct = FrameCodec.ToWire(frame).ToByteArray();
        var generated = FrameCodec.ToWire(viaWire).ToByteArray();
        if (viaWire.GetType() != frame.GetType() || !direct.AsSpan().SequenceEqual(generated))
        {
            throw new FuzzFinding($"FrameCodec.Decode read a {frame.GetType().Name}, the generated parser a {viaWire.GetType().Name} with other content");
        }

        return Task.CompletedTask;
    }
}

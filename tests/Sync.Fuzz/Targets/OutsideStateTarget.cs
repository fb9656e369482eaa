using Sync.Core.Export;

namespace Sync.Fuzz.Targets;

/// <summary>
/// The outside's <c>state.json</c> and <c>pending.json</c>, read when the state opens (with the recovery of an
/// interrupted export). Input: one byte choosing the file, then its content.
/// </summary>
internal sealed class OutsideStateTarget : FuzzTarget
{
    public static readonly string[] Files = ["state.json", "pending.json"];

    public override string Name => "outside-state";

    public override string Decodes => "the outside's state.json and pending.json: OutsideState.Open and its recovery of an interrupted export";

    protected override Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var cursor = new InputCursor(input);
        var root = Scratch.WriteFresh("outside-state", Files[cursor.ReadByte() % Files.Length], cursor.Rest);

        using var state = OutsideState.Open(root);
        var current = state.Current;
        if (current.Generation < 0 || current.ManifestDigest is null || current.LastStreamId is null)
        {
            throw new FuzzFinding("OutsideState accepted a state record with a missing or impossible field");
        }

        return Task.CompletedTask;
    }
}

using Sync.Core.Apply;

namespace Sync.Fuzz.Targets;

/// <summary>
/// The inside's state files, read as every command reads them: <c>published.json</c> when the state opens,
/// <c>journal.json</c> before any apply (recovery), <c>status.json</c> by import and status; then the uses the agents
/// make of the values (the published digest as bytes for the gRPC holdings, the journal's operations, the status
/// lists). Input: one byte choosing the file, then its content.
/// </summary>
internal sealed class InsideStateTarget : FuzzTarget
{
    public static readonly string[] Files = ["published.json", "journal.json", "status.json"];

    public override string Name => "inside-state";

    public override string Decodes => "the inside's published.json, journal.json and status.json: InsideState and what reads its records";

    protected override Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var cursor = new InputCursor(input);
        var root = Scratch.WriteFresh("inside-state", Files[cursor.ReadByte() % Files.Length], cursor.Rest);

        using var state = InsideState.OpenReadOnly(root);
        var published = state.Published;
        if (published.Generation < 0 || published.ManifestDigest is null || published.StreamId is null || published.Target is null ||
            !Enum.IsDefined(published.Mode))
        {
            throw new FuzzFinding("InsideState accepted a published record with a missing or impossible field");
        }

        if (published.Generation > 0)
        {
            // InsideSession sends this digest as bytes; status and verify print it. (The manifest file it names is the
            // manifest target's input.)
            _ = Convert.FromHexString(published.ManifestDigest);
        }

        if (state.ReadJournal() is { } journal)
        {
            if (journal.ManifestDigest is null || journal.StreamId is null || journal.Target is null || journal.Ops is null ||
                journal.Ops.Any(op => op is null || op.Kind is null || op.Path is null) || !Enum.IsDefined(journal.Mode))
            {
                throw new FuzzFinding("InsideState accepted a journal with a missing field; the recovery would dereference it");
            }
        }

        if (state.ReadStatus() is { } status && (status.Applied is null || status.Pending is null || status.Refused is null))
        {
            throw new FuzzFinding("InsideState accepted a status without its lists; import and status read them");
        }

        return Task.CompletedTask;
    }
}

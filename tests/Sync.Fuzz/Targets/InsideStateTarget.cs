using Microsoft.Extensions.Logging.Abstractions;
using Sync.Core.Apply;
using Sync.Core.FileSystem;
using Sync.Protocol;
using Sync.Testing.FileSystem;

namespace Sync.Fuzz.Targets;

/// <summary>
/// The inside's state files, read as an import reads them, and then used: <c>published.json</c> when the state opens,
/// <c>journal.json</c> (format 2: tree-relative paths, op kinds by name) by the recovery that finishes an interrupted
/// publish before anything else, <c>status.json</c> and <c>verify.json</c> by import and status. The recovery is real
/// (<see cref="StreamApplier.PrepareAsync(InsideState, string, PublishMode, CancellationToken)"/>: the journal replayed, the published record written, the target checked), on a
/// <see cref="SimulatedFileSystem"/> holding the state directory and, in in-place mode, an empty target directory, so
/// whatever a damaged journal names stays in memory. Then the published digest as the gRPC holdings send it, the
/// status lists as import reads them, the verify record as status reads it. Input: one byte choosing the file, then
/// its content.
/// </summary>
internal sealed class InsideStateTarget : FuzzTarget
{
    public const string StateRoot = "/var/lib/sync-inside";

    public const string Target = "/srv/mirror";

    public static readonly string[] Files = ["published.json", "journal.json", "status.json", "verify.json"];

    public override string Name => "inside-state";

    public override string Decodes => "the inside's published.json, journal.json, status.json and verify.json: InsideState, the journal's recovery on a simulated disk, what reads the records";

    protected override async Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var cursor = new InputCursor(input);
        var disk = new SimulatedFileSystem();
        disk.CreateTree(Path.GetDirectoryName(Target)!).Dispose();
        using (var root = disk.CreateTree(StateRoot))
        {
            root.WriteAtomically(Files[cursor.ReadByte() % Files.Length], cursor.Rest.Span);
        }

        using var state = InsideState.OpenForWrite(disk, StateRoot);
        var published = state.Published;
        if (published.Generation < 0 || published.ManifestDigest is null || published.StreamId is null || published.Target is null ||
            !Enum.IsDefined(published.Mode))
        {
            throw new FuzzFinding("InsideState accepted a published record with a missing or impossible field");
        }

        // The operator passes the mode the state publishes in (another is refused as a usage error before any work).
        var mode = published.Generation > 0 ? published.Mode : PublishMode.InPlace;
        if (mode == PublishMode.InPlace)
        {
            disk.CreateTree(Target).Dispose();
        }

        await new StreamApplier(ProtobufWireCodec.Instance, FuzzKeys.Trust, NullLogger.Instance, TimeProvider.System)
            .PrepareAsync(state, Target, mode, cancellationToken).ConfigureAwait(false);
        if (state.ReadJournal() is not null)
        {
            throw new FuzzFinding("the recovery left the journal behind");
        }

        if (state.Published.Generation > 0)
        {
            // InsideSession sends this digest as bytes; status and verify print it. (The manifest file it names is the
            // manifest target's input.)
            _ = Convert.FromHexString(state.Published.ManifestDigest);
        }

        if (state.ReadStatus() is { } status && (status.Applied is null || status.Pending is null || status.Refused is null))
        {
            throw new FuzzFinding("InsideState accepted a status without its lists; import and status read them");
        }

        _ = state.PublishedMayBeDamaged;
    }

    /// <summary>
    /// Also what a file system says when the recovery meets a target that is not as the journal left it (a directory
    /// gone, say): the agents report an I/O error as one line and exit 1, and the journal stays for the next run.
    /// </summary>
    protected override bool IsRefusal(Exception exception) => base.IsRefusal(exception) || exception is IOException or UnauthorizedAccessException;
}

namespace Sync.Core.Apply;

/// <summary>
/// The intent record of a publish in progress, written (durably) once the new generation is fully staged and
/// verified, and deleted once it is published. Replaying it is idempotent, so a crash or a power cut at any point
/// between is finished by the next run; without it, leftover staging is simply discarded.
/// Snapshot mode names the snapshot directory (under the state's snapshots/) that the target symlink is switched to;
/// in-place mode lists <see cref="Ops"/>, each acting on a path of the target tree and, for renames and exchanges, a
/// path of the staging tree, and <see cref="Locks"/> the reprepro lock files a replay holds while it writes.
/// </summary>
public sealed record Journal(
    int Format,
    long Generation,
    string ManifestDigest,
    string StreamId,
    PublishMode Mode,
    string Target,
    string? Snapshot,
    string? StagingDirectory,
    PublishPolicy Policy,
    IReadOnlyList<JournalOp> Ops,
    string? SignedBy = null,
    IReadOnlyList<string>? Locks = null,
    string? PoolEpoch = null,
    IReadOnlyList<string>? SharedRoots = null)
{
    /// <summary>Journals of earlier versions held absolute paths; this version refuses to guess what they meant.</summary>
    public const int CurrentFormat = 2;
}

/// <summary>One step of an in-place publish: <paramref name="Path"/> in the target, <paramref name="Staged"/> in staging.</summary>
public sealed record JournalOp(JournalOpKind Kind, string Path, string? Staged = null, int Mode = 0, long MtimeNs = 0, ulong Marker = 0);

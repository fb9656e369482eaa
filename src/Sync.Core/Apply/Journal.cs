namespace Sync.Core.Apply;

/// <summary>
/// The intent record of a publish in progress, written (durably) once the new generation is fully staged and
/// verified, and deleted once it is published. Replaying it is idempotent, so a crash at any point between
/// is finished by the next run; without it, leftover staging is simply discarded.
/// </summary>
public sealed record Journal(
    long Generation,
    string ManifestDigest,
    string StreamId,
    PublishMode Mode,
    string Target,
    string? SnapshotDirectory,
    string? StagingDirectory,
    IReadOnlyList<JournalOp> Ops,
    string? SignedBy = null);

/// <summary>
/// One step of an in-place publish. Kinds: mkdir, rename, meta, delete, rmdir, dirmeta, exchange (swap a staged
/// suite directory with the published one; <see cref="Marker"/> is the staged directory's inode, which tells a
/// replay whether the swap already happened) and deltree (remove a swapped-out suite).
/// </summary>
public sealed record JournalOp(string Kind, string Path, string? From = null, int Mode = 0, long MtimeNs = 0, ulong Marker = 0);

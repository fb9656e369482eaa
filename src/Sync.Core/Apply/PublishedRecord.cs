namespace Sync.Core.Apply;

/// <summary>What the inside holds and shows: the published generation, where, and which trusted key signed it.</summary>
public sealed record PublishedRecord(
    long Generation,
    string ManifestDigest,
    string StreamId,
    DateTimeOffset PublishedAt,
    PublishMode Mode,
    string Target,
    string? SnapshotDirectory,
    string? SignedBy = null)
{
    public static PublishedRecord None { get; } = new(0, string.Empty, string.Empty, DateTimeOffset.UnixEpoch, PublishMode.Snapshot, string.Empty, null);
}

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
    PublishPolicy? Policy = null,
    string? SignedBy = null,
    IReadOnlyList<string>? Locks = null,
    string? PoolEpoch = null,
    IReadOnlyList<string>? SharedRoots = null)
{
    public static PublishedRecord None { get; } = new(0, string.Empty, string.Empty, DateTimeOffset.UnixEpoch, PublishMode.Snapshot, string.Empty, null);

    /// <summary>What the published files' metadata follows (records of earlier versions: the default).</summary>
    public PublishPolicy EffectivePolicy => Policy ?? PublishPolicy.Default;
}

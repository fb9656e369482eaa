using Sync.Core.Manifests;

namespace Sync.Core.Apply;

/// <summary>
/// What the publisher makes visible: a generation's manifest and where its contents are (staged or published).
/// A received generation is one (<see cref="ReceivedGeneration.ToPublishRequest"/>); so is a repair, which
/// publishes the same generation again from intact local copies.
/// </summary>
public sealed record PublishRequest(
    long Generation,
    string ManifestDigest,
    string StreamId,
    Manifest Manifest,
    ManifestFile ManifestFile,
    ContentSources Sources,
    string? SignedBy,
    string SnapshotName);

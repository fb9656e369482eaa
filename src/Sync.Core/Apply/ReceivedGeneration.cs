using Sync.Core.Manifests;
using Sync.Core.Streams;

namespace Sync.Core.Apply;

/// <summary>A generation whose every new content is staged and verified, ready to publish.</summary>
public sealed record ReceivedGeneration(
    DeltaHeader Header,
    Manifest Manifest,
    ManifestFile ManifestFile,
    ContentSources Sources,
    long BytesReceived,
    int ContentsReceived,
    string? SignedBy = null)
{
    public PublishRequest ToPublishRequest() => new(
        Header.TargetGeneration, Header.TargetManifestDigest.ToHex(), Header.StreamIdHex, Manifest, ManifestFile, Sources, SignedBy,
        Publisher.SnapshotName(Header.TargetGeneration));
}

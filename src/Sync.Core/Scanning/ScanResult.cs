using Sync.Core.Hashing;
using Sync.Core.Manifests;

namespace Sync.Core.Scanning;

public sealed record ScanResult(
    IReadOnlyList<ManifestEntry> Entries,
    ScanCache Cache,
    int FilesHashed,
    long BytesHashed,
    IReadOnlyList<string> Skipped)
{
    /// <summary>The plain SHA-256 of a scanned file, where this scan knows it (see <see cref="ScanOptions.WantsContentSha256"/>).</summary>
    public Digest? ContentSha256(string path) => Cache.Find(path)?.ContentSha256;
}

using Sync.Core.Manifests;

namespace Sync.Core.Scanning;

public sealed record ScanResult(
    IReadOnlyList<ManifestEntry> Entries,
    ScanCache Cache,
    int FilesHashed,
    long BytesHashed,
    IReadOnlyList<string> Skipped);

namespace Sync.Core.Manifests;

/// <summary>Bounds checked before anything is allocated for a manifest received from the other side.</summary>
public sealed record ManifestLimits
{
    public static ManifestLimits Default { get; } = new();

    public long MaxManifestBytes { get; init; } = 1L << 30;

    public int MaxEntries { get; init; } = 20_000_000;

    public long MaxFileSize { get; init; } = 16L << 40;

    public int MaxChunkLength { get; init; } = 8 << 20;
}

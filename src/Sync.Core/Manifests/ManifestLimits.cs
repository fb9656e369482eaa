namespace Sync.Core.Manifests;

/// <summary>Bounds checked before anything is allocated for a manifest received from the other side.</summary>
public sealed record ManifestLimits
{
    public static ManifestLimits Default { get; } = new();

    /// <summary>
    /// For a manifest read back only as a base (the published generation, the last export, what an inside says it
    /// publishes): the same bounds, but its symlinks are not resolved, so a generation published before links were
    /// resolved through the manifest never blocks the one that replaces it (`verify` reports such links instead).
    /// </summary>
    public static ManifestLimits Base { get; } = new() { ResolveLinks = false };

    public long MaxManifestBytes { get; init; } = 1L << 30;

    public int MaxEntries { get; init; } = 20_000_000;

    public long MaxFileSize { get; init; } = 16L << 40;

    public int MaxChunkLength { get; init; } = 8 << 20;

    /// <summary>Resolve every symlink through the manifest's entries and refuse those that escape the tree or loop.</summary>
    public bool ResolveLinks { get; init; } = true;
}

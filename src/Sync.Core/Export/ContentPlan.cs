using Sync.Core.Compression;
using Sync.Core.Delta;
using Sync.Core.Manifests;

namespace Sync.Core.Export;

/// <summary>
/// How one content the inside lacks will travel: its missing chunks, a patch against an older version, or an
/// instruction to compress another content (<see cref="RecompressSource"/>) with a proven <see cref="Setting"/>.
/// </summary>
public sealed record ContentPlan(ManifestEntry Source, ManifestEntry? PatchBase, BlockSignature? Signature, long Cost)
{
    public bool IsPatch => PatchBase is not null;

    /// <summary>The plain text this content is rebuilt from on the inside, or null.</summary>
    public ManifestEntry? RecompressSource { get; init; }

    /// <summary>The setting the outside proved reproduces this content from <see cref="RecompressSource"/>.</summary>
    public CompressionSetting? Setting { get; init; }

    public bool IsRecompress => RecompressSource is not null;

    /// <summary>
    /// An index shipped only compressed: the decompressed new plain text (a file in the state's plain-work directory)
    /// that travels as a patch against <see cref="RecompressSource"/>'s plain text, with <see cref="Signature"/>.
    /// </summary>
    public string? PlainPath { get; init; }

    /// <summary>The length of <see cref="PlainPath"/>.</summary>
    public long PlainLength { get; init; }
}

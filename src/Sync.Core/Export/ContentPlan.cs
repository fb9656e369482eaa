using Sync.Core.Delta;
using Sync.Core.Manifests;

namespace Sync.Core.Export;

/// <summary>How one content the inside lacks will travel: its missing chunks, or a patch against an older version.</summary>
public sealed record ContentPlan(ManifestEntry Source, ManifestEntry? PatchBase, BlockSignature? Signature, long Cost)
{
    public bool IsPatch => PatchBase is not null;
}

using Sync.Core.Hashing;
using Sync.Core.Manifests;

namespace Sync.Core.Export;

/// <summary>The chunks the inside has: every chunk of the base's files plus those it kept from a cut transfer.</summary>
internal static class AvailableChunks
{
    /// <summary>A set sized once for all of them, so a 600,000-entry base costs one table and no regrowth.</summary>
    public static HashSet<Digest> Of(Manifest baseManifest, IReadOnlySet<Digest> held)
    {
        var count = held.Count;
        foreach (var file in baseManifest.Entries)
        {
            count += file.Chunks.Count;
        }

        var available = new HashSet<Digest>(count);
        available.UnionWith(held);
        foreach (var file in baseManifest.Entries)
        {
            foreach (var chunk in file.Chunks)
            {
                available.Add(chunk.Digest);
            }
        }

        return available;
    }
}

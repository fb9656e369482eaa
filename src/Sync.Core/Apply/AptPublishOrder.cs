using Sync.Core.Manifests;

namespace Sync.Core.Apply;

/// <summary>
/// What apt needs from the order of an in-place publish. apt reads Release files first, then the indices they
/// name, then pool files; so pool files go in first, indices next, Release/InRelease/Release.gpg last, and an APT
/// suite (…/dists/&lt;suite&gt;) that changes at all is swapped in whole, so its InRelease and every index it names
/// change at one instant.
/// </summary>
internal static class AptPublishOrder
{
    public const int PoolTier = 0;
    public const int IndexTier = 1;
    public const int ReleaseTier = 2;

    /// <summary>The APT suite directory (…/dists/&lt;suite&gt;) a path belongs to, or null.</summary>
    public static string? SuiteOf(string path)
    {
        var segments = path.Split('/');
        for (var i = 0; i + 1 < segments.Length; i++)
        {
            if (segments[i] == "dists")
            {
                return string.Join('/', segments[..(i + 2)]);
            }
        }

        return null;
    }

    public static int Tier(string path)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        if (name is "Release" or "InRelease" or "Release.gpg")
        {
            return ReleaseTier;
        }

        return path.StartsWith("dists/", StringComparison.Ordinal) || path.Contains("/dists/", StringComparison.Ordinal) ? IndexTier : PoolTier;
    }

    /// <summary>Suites that are directories in the new generation and whose subtree differs in any way from the published one.</summary>
    public static HashSet<string> ChangedSuites(Manifest current, Manifest next)
    {
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in next.Entries)
        {
            if (SuiteOf(entry.Path) is not { } suite || changed.Contains(suite) || next.Find(suite) is not { Kind: EntryKind.Directory })
            {
                continue;
            }

            var old = current.Find(entry.Path);
            if (old is null || old.Kind != entry.Kind || old.Mode != entry.Mode || old.MtimeNs != entry.MtimeNs ||
                old.Digest != entry.Digest || old.LinkTarget != entry.LinkTarget)
            {
                changed.Add(suite);
            }
        }

        foreach (var entry in current.Entries)
        {
            if (SuiteOf(entry.Path) is { } suite && next.Find(suite) is { Kind: EntryKind.Directory } && next.Find(entry.Path) is null)
            {
                changed.Add(suite);
            }
        }

        return changed;
    }
}

using Sync.Core.Paths;

namespace Sync.Core.Manifests;

/// <summary>
/// Compares two manifests by walking both in path order at once (they are sorted by <see cref="RelativePath.Compare"/>,
/// which the validator enforces on every received manifest), so a diff of two 600,000-entry manifests costs no index
/// of either: the memory of a day's export or import stays a function of what changed, not of the tree.
/// </summary>
public static class ManifestDiff
{
    /// <summary>
    /// Every path of either list once, in order, with its entry on each side (null where it is absent). Both lists
    /// must be in strict path order; a list that is not is refused, since a merge over it would pair the wrong entries.
    /// </summary>
    public static IEnumerable<(ManifestEntry? Before, ManifestEntry? After)> Pairs(IReadOnlyList<ManifestEntry> before, IReadOnlyList<ManifestEntry> after)
    {
        int i = 0, j = 0;
        string? lastBefore = null, lastAfter = null;
        while (i < before.Count || j < after.Count)
        {
            var b = i < before.Count ? before[i] : null;
            var a = j < after.Count ? after[j] : null;
            var order = b is null ? 1 : a is null ? -1 : RelativePath.Compare(b.Path, a.Path);
            if (order <= 0)
            {
                lastBefore = InOrder(lastBefore, b!.Path);
                i++;
            }

            if (order >= 0)
            {
                lastAfter = InOrder(lastAfter, a!.Path);
                j++;
            }

            yield return (order <= 0 ? b : null, order >= 0 ? a : null);
        }
    }

    /// <summary>Files added, changed (content, mode or mtime) and removed between two manifests, a path that changes kind counting as removed and added.</summary>
    public static (int Added, int Changed, int Removed) CountFiles(Manifest before, Manifest after)
    {
        int added = 0, changed = 0, removed = 0;
        foreach (var (old, now) in Pairs(before.Entries, after.Entries))
        {
            var wasFile = old is { Kind: EntryKind.File };
            var isFile = now is { Kind: EntryKind.File };
            if (isFile && !wasFile)
            {
                added++;
            }
            else if (wasFile && !isFile)
            {
                removed++;
            }
            else if (isFile && (old!.Digest != now!.Digest || old.Mode != now.Mode || old.MtimeNs != now.MtimeNs))
            {
                changed++;
            }
        }

        return (added, changed, removed);
    }

    private static string InOrder(string? previous, string path) =>
        previous is null || RelativePath.Compare(previous, path) < 0
            ? path
            : throw new InvalidOperationException($"manifest entries out of order at '{path}' (after '{previous}')");
}

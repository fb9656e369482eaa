using Sync.Core.Manifests;

namespace Sync.Core.Apply;

/// <summary>
/// Which directories of a generation snapshot mode keeps in one store shared by every snapshot instead of a copy per
/// snapshot: APT's `pool/` directories (the outermost directory named `pool` on each path, as the outside treats them),
/// whose files are added and removed but never changed in place. Sharing them makes a generation cost what changed,
/// not what exists: a mirror's pool has hundreds of thousands of files, its `dists/` a few thousand.
/// </summary>
public static class SharedPools
{
    public const string DirectoryName = "pool";

    /// <summary>The shared roots of a manifest: outermost directories named `pool`, in manifest order.</summary>
    public static IReadOnlyList<string> Roots(Manifest manifest)
    {
        var roots = new List<string>();
        foreach (var entry in manifest.Entries)
        {
            if (entry.Kind == EntryKind.Directory && (entry.Path == DirectoryName || entry.Path.EndsWith("/" + DirectoryName, StringComparison.Ordinal)) &&
                !roots.Any(r => entry.Path.StartsWith(r + "/", StringComparison.Ordinal)))
            {
                roots.Add(entry.Path);
            }
        }

        return roots;
    }

    /// <summary>The root a path is in or below, or null.</summary>
    public static string? RootOf(string path, IReadOnlyList<string> roots)
    {
        foreach (var root in roots)
        {
            if (path == root || (path.Length > root.Length && path[root.Length] == '/' && path.StartsWith(root, StringComparison.Ordinal)))
            {
                return root;
            }
        }

        return null;
    }

    /// <summary>The relative target of the symlink at <paramref name="root"/> in a snapshot, to the same root in a store epoch.</summary>
    public static string LinkTarget(string root, string epoch)
    {
        // From STATE/snapshots/NAME/<root's parent> up to STATE, then down into pools/EPOCH/<root>.
        var ups = 2 + root.Count(c => c == '/');
        return string.Concat(Enumerable.Repeat("../", ups)) + PoolStore.DirectoryName + "/" + epoch + "/" + root;
    }

    /// <summary>The epoch a snapshot's root symlink points at, or null when it is not such a link.</summary>
    public static string? EpochOf(string linkTarget)
    {
        var marker = PoolStore.DirectoryName + "/";
        var at = linkTarget.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var rest = linkTarget[(at + marker.Length)..];
        var slash = rest.IndexOf('/');
        return slash > 0 ? rest[..slash] : null;
    }
}

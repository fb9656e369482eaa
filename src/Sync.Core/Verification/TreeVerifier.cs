using Sync.Core.Apply;
using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Posix;
using Sync.Core.Scanning;

namespace Sync.Core.Verification;

/// <summary>
/// Re-hashes a published tree and lists every way it differs from the manifest of its generation, reading it as a
/// tree (nothing followed through a symlink) and expecting the modes the publish policy allows; and every symlink of
/// the tree as found that, followed through the tree, leaves it or loops (a generation published before links were
/// resolved through the manifest, or a link changed in place).
/// </summary>
public static class TreeVerifier
{
    public static async Task<IReadOnlyList<string>> VerifyAsync(string root, Manifest manifest, OperationProgress progress, CancellationToken cancellationToken)
    {
        using var tree = LinuxFileSystem.Instance.TryOpenTree(root) ?? throw SyncException.Usage($"target '{root}' does not exist");
        return await VerifyAsync(tree, manifest, PublishPolicy.Default, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <param name="sharedRoots">
    /// Snapshot mode's shared pool roots: files under them that the manifest does not name are the pool files older
    /// kept snapshots still need (collected once none does), not differences.
    /// </param>
    public static async Task<IReadOnlyList<string>> VerifyAsync(
        IDirectoryTree tree, Manifest manifest, PublishPolicy policy, OperationProgress progress, CancellationToken cancellationToken,
        IReadOnlyList<string>? sharedRoots = null)
    {
        var problems = new List<string>();
        var found = new Dictionary<string, ManifestEntry>(StringComparer.Ordinal);
        progress.StartPhase("verify", manifest.TotalFileBytes, manifest.Entries.Count);
        foreach (var entry in manifest.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress.AddItems();
            if (tree.TryStat(entry.Path) is { } status)
            {
                found[entry.Path] = AsFound(entry, status.Kind, status.Kind == UnixFileKind.Symlink ? tree.ReadLink(entry.Path) : null);
            }

            if (await CheckAsync(tree, entry, policy, progress, cancellationToken).ConfigureAwait(false) is { } problem)
            {
                problems.Add(problem);
            }
        }

        var known = new HashSet<string>(manifest.Entries.Select(e => e.Path), StringComparer.Ordinal);
        FindExtra(tree, string.Empty, known, problems, sharedRoots ?? []);
        FindUnsafeLinks(found, problems);
        return problems;
    }

    /// <summary>
    /// What is wrong with one entry as published, every aspect in one line ("mode, mtime and content differ: PATH"), or
    /// null: a touched mtime or a changed mode must not hide changed bytes.
    /// </summary>
    public static async Task<string?> CheckAsync(IDirectoryTree tree, ManifestEntry entry, PublishPolicy policy, OperationProgress? progress, CancellationToken cancellationToken)
    {
        if (tree.TryStat(entry.Path) is not { } s)
        {
            return $"missing: {entry.Path}";
        }

        var expectedKind = entry.Kind switch
        {
            EntryKind.File => UnixFileKind.File,
            EntryKind.Directory => UnixFileKind.Directory,
            _ => UnixFileKind.Symlink,
        };
        if (s.Kind != expectedKind)
        {
            return $"kind differs: {entry.Path}";
        }

        if (entry.Kind == EntryKind.Symlink)
        {
            return tree.ReadLink(entry.Path) != entry.LinkTarget ? $"link target differs: {entry.Path}" : null;
        }

        var differs = new List<string>(4);
        if (s.Mode != policy.Mode(entry.Mode))
        {
            differs.Add("mode");
        }

        if (entry.Kind == EntryKind.File)
        {
            if (s.MtimeNs != entry.MtimeNs)
            {
                differs.Add("mtime");
            }

            if (s.Size != entry.Size)
            {
                differs.Add("size");
            }
            else
            {
                using var file = tree.OpenRead(entry.Path);
                var (digest, _, _) = await TreeScanner.HashAsync(file, entry.Size, progress, cancellationToken).ConfigureAwait(false);
                if (digest != entry.Digest)
                {
                    differs.Add("content");
                }
            }
        }

        return differs.Count switch
        {
            0 => null,
            1 => $"{differs[0]} differs: {entry.Path}",
            _ => $"{string.Join(", ", differs[..^1])} and {differs[^1]} differ: {entry.Path}",
        };
    }

    /// <summary>An entry as the tree holds it, for resolving links through what is there rather than what should be.</summary>
    private static ManifestEntry AsFound(ManifestEntry entry, UnixFileKind kind, string? linkTarget) => kind switch
    {
        UnixFileKind.Directory => ManifestEntry.Directory(entry.Path, 0, 0),
        UnixFileKind.Symlink => ManifestEntry.Symlink(entry.Path, linkTarget ?? string.Empty, 0),
        _ => entry with { Kind = EntryKind.File, LinkTarget = null },
    };

    private static void FindUnsafeLinks(Dictionary<string, ManifestEntry> found, List<string> problems)
    {
        var resolver = new LinkResolver(found.GetValueOrDefault, LinkResolver.StepBudget(found.Count));
        foreach (var link in found.Values.Where(e => e.Kind == EntryKind.Symlink).OrderBy(e => e.Path, StringComparer.Ordinal))
        {
            var resolution = resolver.Resolve(link.Path, link.LinkTarget ?? string.Empty);
            if (resolution.IsRefused)
            {
                problems.Add($"unsafe link: {link.Path} -> {link.LinkTarget} {resolution.Problem(link.Path)}");
            }
        }
    }

    private static void FindExtra(IDirectoryTree tree, string relative, HashSet<string> known, List<string> problems, IReadOnlyList<string> sharedRoots)
    {
        foreach (var name in tree.List(relative).Order(StringComparer.Ordinal))
        {
            var path = TreePath.Combine(relative, name);
            if (!known.Contains(path))
            {
                if (Apply.SharedPools.RootOf(path, sharedRoots) is null)
                {
                    problems.Add($"extra: {path}");
                }
            }
            else if (tree.TryStat(path) is { Kind: UnixFileKind.Directory })
            {
                FindExtra(tree, path, known, problems, sharedRoots);
            }
        }
    }
}

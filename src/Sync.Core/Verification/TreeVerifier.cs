using Sync.Core.Apply;
using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Posix;
using Sync.Core.Scanning;

namespace Sync.Core.Verification;

/// <summary>
/// Re-hashes a published tree and lists every way it differs from the manifest of its generation, reading it as a
/// tree (nothing followed through a symlink) and expecting the modes the publish policy allows.
/// </summary>
public static class TreeVerifier
{
    public static async Task<IReadOnlyList<string>> VerifyAsync(string root, Manifest manifest, OperationProgress progress, CancellationToken cancellationToken)
    {
        using var tree = LinuxFileSystem.Instance.TryOpenTree(root) ?? throw SyncException.Usage($"target '{root}' does not exist");
        return await VerifyAsync(tree, manifest, PublishPolicy.Default, progress, cancellationToken).ConfigureAwait(false);
    }

    public static async Task<IReadOnlyList<string>> VerifyAsync(
        IDirectoryTree tree, Manifest manifest, PublishPolicy policy, OperationProgress progress, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        progress.StartPhase("verify", manifest.TotalFileBytes, manifest.Entries.Count);
        foreach (var entry in manifest.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress.AddItems();
            if (await CheckAsync(tree, entry, policy, progress, cancellationToken).ConfigureAwait(false) is { } problem)
            {
                problems.Add(problem);
            }
        }

        var known = new HashSet<string>(manifest.Entries.Select(e => e.Path), StringComparer.Ordinal);
        FindExtra(tree, string.Empty, known, problems);
        return problems;
    }

    /// <summary>What is wrong with one entry as published, or null.</summary>
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

        switch (entry.Kind)
        {
            case EntryKind.Symlink:
                return tree.ReadLink(entry.Path) != entry.LinkTarget ? $"link target differs: {entry.Path}" : null;
            case EntryKind.Directory:
                return s.Mode != policy.Mode(entry.Mode) ? $"mode differs: {entry.Path}" : null;
            default:
                if (s.Mode != policy.Mode(entry.Mode))
                {
                    return $"mode differs: {entry.Path}";
                }

                if (s.MtimeNs != entry.MtimeNs)
                {
                    return $"mtime differs: {entry.Path}";
                }

                if (s.Size != entry.Size)
                {
                    return $"size differs: {entry.Path}";
                }

                using (var file = tree.OpenRead(entry.Path))
                {
                    var (digest, _, _) = await TreeScanner.HashAsync(file, entry.Size, progress, cancellationToken).ConfigureAwait(false);
                    return digest != entry.Digest ? $"content differs: {entry.Path}" : null;
                }
        }
    }

    private static void FindExtra(IDirectoryTree tree, string relative, HashSet<string> known, List<string> problems)
    {
        foreach (var name in tree.List(relative).Order(StringComparer.Ordinal))
        {
            var path = TreePath.Combine(relative, name);
            if (!known.Contains(path))
            {
                problems.Add($"extra: {path}");
            }
            else if (tree.TryStat(path) is { Kind: UnixFileKind.Directory })
            {
                FindExtra(tree, path, known, problems);
            }
        }
    }
}

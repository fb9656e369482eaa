using Sync.Core.Chunking;
using Sync.Core.Manifests;
using Sync.Core.Posix;
using Sync.Core.Scanning;

namespace Sync.Core.Verification;

/// <summary>Re-hashes a published tree and lists every way it differs from the manifest of its generation.</summary>
public static class TreeVerifier
{
    public static async Task<IReadOnlyList<string>> VerifyAsync(string root, Manifest manifest, OperationProgress progress, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        progress.StartPhase("verify", manifest.TotalFileBytes, manifest.Entries.Count);
        foreach (var entry in manifest.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var path = Path.Combine(root, entry.Path);
            var status = Posix.Posix.TryLStat(path);
            progress.AddItems();
            if (status is null)
            {
                problems.Add($"missing: {entry.Path}");
                continue;
            }

            var s = status.Value;
            var expectedKind = entry.Kind switch
            {
                EntryKind.File => UnixFileKind.File,
                EntryKind.Directory => UnixFileKind.Directory,
                _ => UnixFileKind.Symlink,
            };
            if (s.Kind != expectedKind)
            {
                problems.Add($"kind differs: {entry.Path}");
                continue;
            }

            switch (entry.Kind)
            {
                case EntryKind.Symlink:
                    if (new FileInfo(path).LinkTarget != entry.LinkTarget)
                    {
                        problems.Add($"link target differs: {entry.Path}");
                    }

                    break;
                case EntryKind.Directory:
                    if (s.Mode != entry.Mode)
                    {
                        problems.Add($"mode differs: {entry.Path}");
                    }

                    break;
                case EntryKind.File:
                    if (s.Mode != entry.Mode)
                    {
                        problems.Add($"mode differs: {entry.Path}");
                    }

                    if (s.MtimeNs != entry.MtimeNs)
                    {
                        problems.Add($"mtime differs: {entry.Path}");
                    }

                    if (s.Size != entry.Size)
                    {
                        problems.Add($"size differs: {entry.Path}");
                        break;
                    }

                    var (digest, _, _, _) = await TreeScanner.HashFileAsync(path, entry.Size, ChunkerOptions.Default, wantsSignature: false, progress, cancellationToken).ConfigureAwait(false);
                    if (digest != entry.Digest)
                    {
                        problems.Add($"content differs: {entry.Path}");
                    }

                    break;
            }
        }

        var known = new HashSet<string>(manifest.Entries.Select(e => e.Path), StringComparer.Ordinal);
        FindExtra(root, string.Empty, known, problems);
        return problems;
    }

    private static void FindExtra(string root, string relative, HashSet<string> known, List<string> problems)
    {
        var directory = relative.Length == 0 ? root : Path.Combine(root, relative);
        foreach (var full in Directory.EnumerateFileSystemEntries(directory).Order(StringComparer.Ordinal))
        {
            var path = relative.Length == 0 ? Path.GetFileName(full) : relative + "/" + Path.GetFileName(full);
            if (!known.Contains(path))
            {
                problems.Add($"extra: {path}");
            }
            else if (Posix.Posix.TryLStat(full) is { Kind: UnixFileKind.Directory })
            {
                FindExtra(root, path, known, problems);
            }
        }

    }
}

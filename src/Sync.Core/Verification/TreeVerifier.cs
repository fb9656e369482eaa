using Sync.Core.Chunking;
using Sync.Core.Manifests;
using Sync.Core.Posix;
using Sync.Core.Scanning;

namespace Sync.Core.Verification;

/// <summary>
/// Re-hashes a published tree and lists every way it differs from the manifest of its generation, and every
/// symlink of the tree as found that, followed through the tree, leaves it or loops (a generation published before
/// links were resolved through the manifest, or a link changed in place).
/// </summary>
public static class TreeVerifier
{
    public static async Task<IReadOnlyList<string>> VerifyAsync(string root, Manifest manifest, OperationProgress progress, CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var found = new Dictionary<string, ManifestEntry>(StringComparer.Ordinal);
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
            var linkTarget = s.Kind == UnixFileKind.Symlink ? new FileInfo(path).LinkTarget : null;
            found[entry.Path] = AsFound(entry, s.Kind, linkTarget);
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
                    if (linkTarget != entry.LinkTarget)
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
        FindUnsafeLinks(found, problems);
        return problems;
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

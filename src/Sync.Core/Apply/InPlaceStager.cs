using System.Globalization;
using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Posix;

namespace Sync.Core.Apply;

/// <summary>
/// In-place mode, step one: prepares beside the target everything the new generation adds or changes (files and
/// symlinks under numbered names in files/, whole directories in swap/) and lists, in the order apt needs, the steps
/// that put them in place (<see cref="JournalOpKind"/>; see docs/apply.md). Nothing in the target changes here.
/// </summary>
/// <remarks>
/// A directory that replaces something else, and anything that replaces a directory, is swapped in with one
/// exchange, never by removing the old one first; so is every APT suite whose subtree changes. Paths below a swapped
/// directory are never touched one by one, which is what keeps a removal from resolving through a symlink that took
/// a directory's place. A file whose only change is its mode or mtime is changed in place only when no other path
/// shares its inode; otherwise it gets a new inode, so no step ever changes a file another path shows.
/// </remarks>
internal sealed class InPlaceStager
{
    private readonly PublishRequest _received;
    private readonly Manifest _current;
    private readonly Manifest _next;
    private readonly IDirectoryTree _target;
    private readonly IDirectoryTree _staging;
    private readonly PublishPolicy _policy;
    private readonly ReusedContentCheck _reused;
    private readonly Materializer _materializer;
    private int _counter;

    private InPlaceStager(PublishRequest received, Manifest current, IDirectoryTree target, IDirectoryTree staging, PublishPolicy policy, ReusedContentCheck reused)
    {
        _received = received;
        _current = current;
        _next = received.Manifest;
        _target = target;
        _staging = staging;
        _policy = policy;
        _reused = reused;
        _materializer = new Materializer(received.Sources, staging, policy, reused);
    }

    public static async Task<Journal> StageAsync(
        PublishRequest received, Manifest current, PublishLayout layout, IDirectoryTree target, PublishPolicy policy, ReusedContentCheck reused,
        CancellationToken cancellationToken)
    {
        var stager = new InPlaceStager(received, current, target, layout.Staging, policy, reused);
        var ops = await stager.PlanAsync(cancellationToken).ConfigureAwait(false);
        return new Journal(Journal.CurrentFormat, received.Generation, received.ManifestDigest, received.StreamId,
            PublishMode.InPlace, layout.Target, null, layout.Staging.Root, policy, ops, received.SignedBy);
    }

    private async Task<List<JournalOp>> PlanAsync(CancellationToken cancellationToken)
    {
        _staging.CreateDirectories("files", 0x1C0);
        _staging.CreateDirectories("swap", 0x1C0);

        // Directories swapped in whole: changed APT suites, and directories that take the place of a file or symlink.
        var swapRoots = AptPublishOrder.ChangedSuites(_current, _next);
        foreach (var entry in _next.Entries)
        {
            if (entry.Kind == EntryKind.Directory && _current.Find(entry.Path) is { Kind: not EntryKind.Directory })
            {
                swapRoots.Add(entry.Path);
            }
        }

        swapRoots.RemoveWhere(root => HasAncestorIn(root, swapRoots));

        // Old directories that become a file or symlink: everything below them leaves with the swapped-out directory.
        var formerDirectories = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in _current.Entries)
        {
            if (entry.Kind == EntryKind.Directory && _next.Find(entry.Path) is { Kind: not EntryKind.Directory })
            {
                formerDirectories.Add(entry.Path);
            }
        }

        var swaps = new List<JournalOp>();
        var swapCleanup = new List<JournalOp>();
        foreach (var (root, entries) in GroupBySwapRoot(swapRoots))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await StageDirectoryAsync(root, entries, swaps, swapCleanup, cancellationToken).ConfigureAwait(false);
            CrashPoints.Hit();
        }

        var mkdirs = new List<JournalOp>();
        var tiers = new[] { new List<JournalOp>(), new List<JournalOp>(), new List<JournalOp>() };
        var links = new List<JournalOp>();
        foreach (var entry in _next.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (IsInOrBelow(entry.Path, swapRoots))
            {
                continue;
            }

            var old = _current.Find(entry.Path);
            switch (entry.Kind)
            {
                case EntryKind.Directory:
                    if (old is null)
                    {
                        mkdirs.Add(new JournalOp(JournalOpKind.MakeDirectory, entry.Path, Mode: 0x1C0));
                    }

                    break;
                case EntryKind.Symlink:
                    if (old is { Kind: EntryKind.Symlink } && old.LinkTarget == entry.LinkTarget)
                    {
                        if (old.MtimeNs != entry.MtimeNs)
                        {
                            links.Add(new JournalOp(JournalOpKind.SetMetadata, entry.Path, MtimeNs: entry.MtimeNs));
                        }

                        break;
                    }

                    var link = NextStaged();
                    _staging.CreateSymlink(link, entry.LinkTarget!);
                    Materializer.SetMetadata(_staging, link, entry, _policy);
                    AddReplacement(links, swapCleanup, entry.Path, link, old);
                    break;
                case EntryKind.File:
                    await PlanFileAsync(entry, old, tiers[AptPublishOrder.Tier(entry.Path)], swapCleanup, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        // Removals after every addition, deepest first so directories are empty when their turn comes.
        var deletions = new List<JournalOp>();
        for (var i = _current.Entries.Count - 1; i >= 0; i--)
        {
            var old = _current.Entries[i];
            if (_next.Find(old.Path) is not null || IsInOrBelow(old.Path, swapRoots) || HasAncestorIn(old.Path, formerDirectories))
            {
                continue; // still there, replaced by a rename or an exchange, or gone with a swapped-out directory
            }

            deletions.Add(new JournalOp(old.Kind == EntryKind.Directory ? JournalOpKind.RemoveDirectory : JournalOpKind.Delete, old.Path));
        }

        var directoryMetadata = new List<JournalOp>();
        for (var i = _next.Entries.Count - 1; i >= 0; i--)
        {
            var entry = _next.Entries[i];
            if (entry.Kind == EntryKind.Directory && !IsInOrBelow(entry.Path, swapRoots))
            {
                directoryMetadata.Add(new JournalOp(JournalOpKind.SetDirectoryMetadata, entry.Path, Mode: _policy.Mode(entry.Mode), MtimeNs: entry.MtimeNs));
            }
        }

        // Pool first, indices next, whole suites (and other swapped directories), then the symlinks that may point at
        // them, then Release files outside suites; removals last.
        return [.. mkdirs, .. tiers[AptPublishOrder.PoolTier], .. tiers[AptPublishOrder.IndexTier], .. swaps, .. links,
            .. tiers[AptPublishOrder.ReleaseTier], .. deletions, .. swapCleanup, .. directoryMetadata];
    }

    private async Task PlanFileAsync(ManifestEntry entry, ManifestEntry? old, List<JournalOp> tier, List<JournalOp> swapCleanup, CancellationToken cancellationToken)
    {
        if (old is not null && old.SameFileAs(entry) && await _reused.IsIntactAsync(_target, old, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        if (old is { Kind: EntryKind.File } && old.Digest == entry.Digest && _target.TryStat(entry.Path) is { Kind: UnixFileKind.File, LinkCount: 1 } &&
            await _reused.IsIntactAsync(_target, old, cancellationToken).ConfigureAwait(false))
        {
            // Only its metadata changes and no other path shares the inode: change it where it is.
            tier.Add(new JournalOp(JournalOpKind.SetMetadata, entry.Path, Mode: _policy.Mode(entry.Mode), MtimeNs: entry.MtimeNs));
            return;
        }

        var staged = NextStaged();
        await _materializer.MakeFileAsync(entry, staged, null, cancellationToken).ConfigureAwait(false);
        AddReplacement(tier, swapCleanup, entry.Path, staged, old);
        if ((_counter & 255) == 0)
        {
            CrashPoints.Hit();
        }
    }

    /// <summary>A staged file or symlink goes in by rename, or by exchange when it replaces a directory.</summary>
    private void AddReplacement(List<JournalOp> ops, List<JournalOp> swapCleanup, string path, string staged, ManifestEntry? old)
    {
        if (old is { Kind: EntryKind.Directory })
        {
            var marker = _staging.TryStat(staged)!.Value.Inode;
            ops.Add(new JournalOp(JournalOpKind.Exchange, path, staged, Marker: marker));
            swapCleanup.Add(new JournalOp(JournalOpKind.RemoveSwappedOut, path, staged, Marker: marker));
            return;
        }

        ops.Add(new JournalOp(JournalOpKind.Rename, path, staged));
    }

    /// <summary>Builds a whole directory of the new generation in staging (hard links to unchanged files).</summary>
    private async Task StageDirectoryAsync(string root, List<ManifestEntry> entries, List<JournalOp> swaps, List<JournalOp> swapCleanup, CancellationToken cancellationToken)
    {
        var staged = "swap/" + (++_counter).ToString(CultureInfo.InvariantCulture);
        _staging.CreateDirectory(staged, 0x1C0);
        foreach (var entry in entries)
        {
            var path = staged + entry.Path[root.Length..];
            switch (entry.Kind)
            {
                case EntryKind.Directory:
                    _staging.CreateDirectory(path, 0x1C0);
                    break;
                case EntryKind.Symlink:
                    _staging.CreateSymlink(path, entry.LinkTarget!);
                    Materializer.SetMetadata(_staging, path, entry, _policy);
                    break;
                case EntryKind.File:
                    var old = _current.Find(entry.Path);
                    if (old is not null && old.SameFileAs(entry) &&
                        await _reused.IsIntactAsync(_target, old, cancellationToken).ConfigureAwait(false) && TryLinkPublished(entry.Path, path))
                    {
                        break;
                    }

                    await _materializer.MakeFileAsync(entry, path, null, cancellationToken).ConfigureAwait(false);
                    break;
            }
        }

        for (var i = entries.Count - 1; i >= 0; i--)
        {
            if (entries[i] is { Kind: EntryKind.Directory } directory)
            {
                Materializer.SetMetadata(_staging, staged + directory.Path[root.Length..], directory, _policy);
            }
        }

        Materializer.SetMetadata(_staging, staged, _next.Find(root)!, _policy);
        var marker = _staging.TryStat(staged)!.Value.Inode;
        if (_current.Find(root) is null)
        {
            swaps.Add(new JournalOp(JournalOpKind.Rename, root, staged));
            return;
        }

        swaps.Add(new JournalOp(JournalOpKind.Exchange, root, staged, Marker: marker));
        swapCleanup.Add(new JournalOp(JournalOpKind.RemoveSwappedOut, root, staged, Marker: marker));
    }

    /// <summary>The entries below each swap root, in manifest order (parents first).</summary>
    private Dictionary<string, List<ManifestEntry>> GroupBySwapRoot(HashSet<string> roots)
    {
        var groups = roots.ToDictionary(r => r, _ => new List<ManifestEntry>(), StringComparer.Ordinal);
        if (roots.Count == 0)
        {
            return groups;
        }

        foreach (var entry in _next.Entries)
        {
            for (var slash = entry.Path.LastIndexOf('/'); slash > 0; slash = entry.Path.LastIndexOf('/', slash - 1))
            {
                if (groups.TryGetValue(entry.Path[..slash], out var group))
                {
                    group.Add(entry);
                    break;
                }
            }
        }

        return groups;
    }

    private bool TryLinkPublished(string path, string destination)
    {
        try
        {
            if (_target.TryStat(path) is not { Kind: UnixFileKind.File })
            {
                return false;
            }

            _target.Link(path, _staging, destination);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private string NextStaged() => "files/" + (++_counter).ToString(CultureInfo.InvariantCulture);

    private static bool IsInOrBelow(string path, HashSet<string> roots) => roots.Contains(path) || HasAncestorIn(path, roots);

    private static bool HasAncestorIn(string path, HashSet<string> set)
    {
        if (set.Count == 0)
        {
            return false;
        }

        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            if (set.Contains(path[..slash]))
            {
                return true;
            }
        }

        return false;
    }
}

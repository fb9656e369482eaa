using Sync.Core.FileSystem;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Posix;
using Sync.Core.Scanning;

namespace Sync.Core.Apply;

/// <summary>
/// Puts the files of a new generation in place in one destination tree (a snapshot being built, or in-place staging)
/// from what the inside holds, sharing inodes only where that is safe: two paths may share an inode only when
/// content, mode and mtime are all equal, because metadata lives in the inode. A staged object is linked once (it
/// becomes that inode, and only then gets its metadata); a published inode is linked only when nothing about it has
/// to change; everything else is a new inode, copied and re-hashed, so a damaged source is never carried forward.
/// </summary>
internal sealed class Materializer
{
    private readonly ContentSources _sources;
    private readonly IDirectoryTree _destination;
    private readonly PublishPolicy _policy;
    private readonly ReusedContentCheck _reused;
    // Keyed by the entry, compared on what an inode holds (content, mode, mtime): a key of those three fields took
    // 48 bytes a file (43 MB of table on a 1,000,000-entry mirror's first import), a reference takes 8.
    private readonly Dictionary<ManifestEntry, string> _made = new(SameInode.Instance);
    private readonly HashSet<Digest> _claimed = new();

    public Materializer(ContentSources sources, IDirectoryTree destination, PublishPolicy policy, ReusedContentCheck reused)
    {
        _sources = sources;
        _destination = destination;
        _policy = policy;
        _reused = reused;
    }

    /// <summary>
    /// Creates <paramref name="path"/> in the destination holding <paramref name="entry"/>'s content and metadata.
    /// <paramref name="sameInodeCandidate"/> is the published entry at the same path, if any: its inode is shared when
    /// it is the same file.
    /// </summary>
    public async Task MakeFileAsync(ManifestEntry entry, string path, ManifestEntry? sameInodeCandidate, CancellationToken cancellationToken)
    {
        if (_made.TryGetValue(entry, out var sibling) && TryLink(_destination, sibling, path))
        {
            return;
        }

        if (sameInodeCandidate is not null && sameInodeCandidate.SameFileAs(entry) && _sources.PublishedTree is { } published &&
            await _reused.IsIntactAsync(published, sameInodeCandidate, cancellationToken).ConfigureAwait(false) &&
            TryLink(published, sameInodeCandidate.Path, path))
        {
            _made[entry] = path;
            return;
        }

        if (_sources.Staged.Contains(entry.Digest) && _claimed.Add(entry.Digest) &&
            TryLink(_sources.Objects, ContentSources.ObjectPath(entry.Digest), path))
        {
            SetMetadata(_destination, path, entry, _policy);
            _made[entry] = path;
            return;
        }

        await CopyVerifiedAsync(entry, path, cancellationToken).ConfigureAwait(false);
        SetMetadata(_destination, path, entry, _policy);
        _made[entry] = path;
    }

    /// <summary>Mode (not for symlinks), owner when the policy names one, and mtime, last: chown would not move it.</summary>
    public static void SetMetadata(IDirectoryTree tree, string path, ManifestEntry entry, PublishPolicy policy)
    {
        if (policy.Owner is { } owner)
        {
            tree.SetOwner(path, owner.Uid, owner.Gid);
        }

        if (entry.Kind != EntryKind.Symlink)
        {
            tree.SetMode(path, policy.Mode(entry.Mode)); // after chown, which clears setuid/setgid bits
        }

        tree.SetMtime(path, entry.MtimeNs);
    }

    /// <summary>A new inode with the content's bytes, checked against the manifest before it can be published.</summary>
    private async Task CopyVerifiedAsync(ManifestEntry entry, string path, CancellationToken cancellationToken)
    {
        var source = _sources.FindContent(entry.Digest)
            ?? throw SyncException.Refused($"no content for '{entry.Path}' (wrong base?)");
        await source.Tree.CopyFileAsync(source.Path, _destination, path, 0x180, cancellationToken).ConfigureAwait(false);
        using (var copy = _destination.OpenRead(path))
        {
            var (digest, _, length) = await TreeScanner.HashAsync(copy, entry.Size, progress: null, cancellationToken).ConfigureAwait(false);
            if (digest == entry.Digest && length == entry.Size)
            {
                return;
            }
        }

        _destination.DeleteFile(path);
        throw new SyncException(SyncErrorKind.Failure, source.IsPublished
            ? $"published file '{source.Path}' does not match its manifest (changed or damaged on the inside); run 'sync-inside repair'"
            : $"staged content for '{entry.Path}' does not match the manifest; the disk may be failing");
    }

    private bool TryLink(IDirectoryTree tree, string existing, string destination)
    {
        try
        {
            tree.Link(existing, _destination, destination);
            return true;
        }
        catch (IOException) when (tree.TryStat(existing) is { Kind: UnixFileKind.File })
        {
            // EXDEV, EMLINK and friends: a copy serves as well.
            return false;
        }
    }

    /// <summary>Entries whose files may share one inode: the same content, mode and mtime.</summary>
    private sealed class SameInode : IEqualityComparer<ManifestEntry>
    {
        public static readonly SameInode Instance = new();

        public bool Equals(ManifestEntry? x, ManifestEntry? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.Digest == y.Digest && x.Mode == y.Mode && x.MtimeNs == y.MtimeNs);

        public int GetHashCode(ManifestEntry entry) => HashCode.Combine(entry.Digest, entry.Mode, entry.MtimeNs);
    }
}

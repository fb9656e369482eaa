using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Posix;

namespace Sync.Core.Apply;

/// <summary>
/// Puts one file of a new generation in place from what the inside holds, sharing inodes where that is safe:
/// two paths may share an inode only when content, mode and mtime are all equal, because metadata lives in
/// the inode. A staged object is linked once (it becomes that inode); everything else is copied.
/// </summary>
internal sealed class Materializer
{
    private readonly ContentSources _sources;
    private readonly Dictionary<(Digest, int, long), string> _made = new();
    private readonly HashSet<Digest> _claimed = new();

    public Materializer(ContentSources sources) => _sources = sources;

    /// <summary>Creates <paramref name="destination"/> holding <paramref name="entry"/>'s content and metadata.</summary>
    public void MakeFile(ManifestEntry entry, string destination, ManifestEntry? sameInodeCandidate)
    {
        var key = (entry.Digest, entry.Mode, entry.MtimeNs);
        if (_made.TryGetValue(key, out var sibling) && TryLink(sibling, destination))
        {
            return;
        }

        if (sameInodeCandidate is not null && sameInodeCandidate.SameFileAs(entry) &&
            _sources.PublishedPath(sameInodeCandidate) is { } published && TryLink(published, destination))
        {
            _made[key] = destination;
            return;
        }

        if (_sources.Staged.Contains(entry.Digest) && _claimed.Add(entry.Digest) && TryLink(_sources.ObjectPath(entry.Digest), destination))
        {
            SetMetadata(destination, entry);
            _made[key] = destination;
            return;
        }

        var source = _sources.FindContent(entry.Digest)
            ?? throw SyncException.Refused($"no content for '{entry.Path}' (wrong base?)");
        File.Copy(source, destination, overwrite: false);
        SetMetadata(destination, entry);
        _made[key] = destination;
    }

    public static void SetMetadata(string path, ManifestEntry entry)
    {
        if (entry.Kind != EntryKind.Symlink)
        {
            File.SetUnixFileMode(path, (UnixFileMode)entry.Mode);
        }

        Posix.Posix.SetMtime(path, entry.MtimeNs);
    }

    private static bool TryLink(string existing, string destination)
    {
        try
        {
            Posix.Posix.HardLink(existing, destination);
            return true;
        }
        catch (IOException) when (Posix.Posix.TryLStat(existing) is { Kind: UnixFileKind.File })
        {
            // EXDEV, EMLINK and friends: a copy serves as well.
            return false;
        }
    }
}

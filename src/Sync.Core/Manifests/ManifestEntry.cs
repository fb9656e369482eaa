using Sync.Core.Hashing;

namespace Sync.Core.Manifests;

/// <summary>
/// One entry of a generation. For files, <see cref="Digest"/> is the SHA-256 over the concatenated chunk
/// digests, so each byte is hashed once while scanning and the file digest still covers every byte.
/// </summary>
public sealed record ManifestEntry(
    string Path,
    EntryKind Kind,
    int Mode,
    long MtimeNs,
    long Size,
    Digest Digest,
    IReadOnlyList<ChunkRef> Chunks,
    string? LinkTarget)
{
    public static ManifestEntry Directory(string path, int mode, long mtimeNs) =>
        new(path, EntryKind.Directory, mode, mtimeNs, 0, Digest.Empty, [], null);

    public static ManifestEntry Symlink(string path, string target, long mtimeNs) =>
        new(path, EntryKind.Symlink, 0x1FF, mtimeNs, 0, Digest.Empty, [], target);

    public bool IsFile => Kind == EntryKind.File;

    /// <summary>True when both describe the same bytes with the same metadata, so one inode can serve both.</summary>
    public bool SameFileAs(ManifestEntry other) =>
        Kind == EntryKind.File && other.Kind == EntryKind.File && Digest == other.Digest && Mode == other.Mode &&
        MtimeNs == other.MtimeNs && Size == other.Size;
}

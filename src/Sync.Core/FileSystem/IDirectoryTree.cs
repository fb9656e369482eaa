using Sync.Core.Posix;
namespace Sync.Core.FileSystem;

/// <summary>
/// A directory held open by a handle, and every file system operation of apply and publish relative to it. A path
/// is relative ("a/b/c", or "" for the tree itself); each of its components is looked up without following a
/// symlink and without leaving the tree (openat2 with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS on Linux), and the last
/// component is acted on itself (a symlink is never followed). An operation whose path passes through a symlink or
/// a non-directory fails with <see cref="TreePathException"/>, which callers may treat as "not there".
/// Not thread-safe: one apply uses a tree from one thread at a time.
/// </summary>
public interface IDirectoryTree : IDisposable
{
    /// <summary>The absolute path the tree was opened at, for messages and the journal.</summary>
    string Root { get; }

    IFileSystem FileSystem { get; }

    /// <summary>Opens a directory of this tree, reached without symlinks, as a tree of its own.</summary>
    IDirectoryTree OpenTree(string path);

    /// <summary>lstat of a path in the tree; null when it does not exist.</summary>
    FileStatus? TryStat(string path);

    /// <summary>The names in a directory of the tree (no "." or ".."), in no particular order.</summary>
    IReadOnlyList<string> List(string path);

    string ReadLink(string path);

    void CreateDirectory(string path, int mode);

    void CreateSymlink(string path, string target);

    /// <summary>Creates a new file (fails if the name exists, whatever it is) and opens it for reading and writing.</summary>
    IFileHandle CreateFile(string path, int mode);

    /// <summary>
    /// Creates a new file for front-to-back writing that bypasses the page cache (O_DIRECT), with
    /// <paramref name="length"/> bytes reserved; null where that is not available (the caller writes the ordinary way).
    /// </summary>
    IFileHandle? TryCreateDirect(string path, int mode, long length);

    /// <summary>Opens a regular file for reading; never a symlink, device or FIFO.</summary>
    IFileHandle OpenRead(string path);

    /// <summary>
    /// Opens a regular file for reading past the page cache (O_DIRECT: offsets, lengths and buffers aligned to 4 KiB);
    /// null where the file system does not offer it (the caller reads the ordinary way).
    /// </summary>
    IFileHandle? TryOpenReadDirect(string path);

    /// <summary>Opens an existing regular file for reading and writing.</summary>
    IFileHandle OpenWrite(string path);

    /// <summary>Adds a name for an existing file (hard link), here or in another tree of the same file system.</summary>
    void Link(string existing, IDirectoryTree destinationTree, string destination);

    /// <summary>rename(2): moves a name, replacing a non-directory or an empty directory at the destination.</summary>
    void Rename(string from, IDirectoryTree destinationTree, string to);

    /// <summary>renameat2(RENAME_EXCHANGE): swaps two names in one step, whatever they are.</summary>
    void Exchange(string path, IDirectoryTree otherTree, string otherPath);

    /// <summary>Removes a name that is not a directory (a file or a symlink).</summary>
    void DeleteFile(string path);

    /// <summary>Removes an empty directory.</summary>
    void DeleteDirectory(string path);

    /// <summary>Sets the permission bits of a file or directory (never through a symlink).</summary>
    void SetMode(string path, int mode);

    /// <summary>Sets the modification time, in nanoseconds since the epoch, of the entry itself (symlinks included).</summary>
    void SetMtime(string path, long mtimeNs);

    /// <summary>Sets owner and group of the entry itself (symlinks included).</summary>
    void SetOwner(string path, int uid, int gid);

    /// <summary>Makes a directory's entries (new names, renames, removals) durable.</summary>
    void SyncDirectory(string path);

    /// <summary>Makes everything written on this tree's file system durable (one syncfs instead of an fsync per file).</summary>
    void SyncFileSystem();

    /// <summary>An exclusive lock on a file of the tree (created if missing), held until disposed; null when another holds it.</summary>
    IDisposable? TryLock(string path);
}

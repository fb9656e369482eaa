using System.Runtime.InteropServices;

namespace Sync.Core.Posix;

/// <summary>
/// The few Linux calls .NET does not expose: statx (inode, nanosecond times without following links),
/// utimensat (nanosecond mtimes, also on symlinks), link (hard links), fsync of a directory, and O_DIRECT creation.
/// </summary>
public static partial class Posix
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const int ENOENT = 2;
    private const int ENOSPC = 28;
    private const int EDQUOT = 122;

    public static FileStatus? TryLStat(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == ENOENT || errno == 20 /* ENOTDIR */)
            {
                return null;
            }

            throw Failure("stat", path, errno);
        }

        return FileSystem.StatxBuffer.Parse(buffer);
    }

    public static FileStatus LStat(string path) =>
        TryLStat(path) ?? throw new FileNotFoundException($"no such file: {path}", path);

    /// <summary>Sets the modification time (nanoseconds since the epoch) without following a final symlink.</summary>
    public static void SetMtime(string path, long mtimeNs)
    {
        Span<long> times = stackalloc long[4];
        FileSystem.LinuxFileHandle.FillTimes(times, mtimeNs);
        if (Utimensat(AtFdCwd, path, ref MemoryMarshal.GetReference(times), AtSymlinkNoFollow) != 0)
        {
            throw Failure("set the time of", path, Marshal.GetLastPInvokeError());
        }
    }

    public static void HardLink(string existing, string newPath)
    {
        if (Link(existing, newPath) != 0)
        {
            throw Failure("hard-link", newPath, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Makes a directory's entries (new names, renames) durable.</summary>
    public static void FsyncDirectory(string path) => CallOnDirectory(path, Fsync, "fsync");

    /// <summary>rename(2): atomically replaces <paramref name="to"/>, even a symlink to a directory.</summary>
    public static void Rename(string from, string to)
    {
        if (RenameNative(from, to) != 0)
        {
            throw Failure("rename to", to, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>
    /// renameat2(RENAME_EXCHANGE): swaps two paths in one step, so a whole directory (an APT suite with its
    /// InRelease and indices) changes for readers at a single instant.
    /// </summary>
    public static void Exchange(string a, string b)
    {
        if (Renameat2(AtFdCwd, a, AtFdCwd, b, 2 /* RENAME_EXCHANGE */) != 0)
        {
            throw Failure("exchange", b, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Flushes the whole file system holding <paramref name="path"/>: one call instead of an fsync per staged file.</summary>
    public static void SyncFileSystem(string path) => CallOnDirectory(path, Syncfs, "sync the file system of");

    public static bool IsDiskFull(Exception e) =>
        e is IOException io && (io.HResult & 0xFFFF) is ENOSPC or EDQUOT ||
        e.Message.Contains("No space left on device", StringComparison.Ordinal) ||
        e.Message.Contains("disk was full", StringComparison.Ordinal) ||
        e.Message.Contains("Disk quota exceeded", StringComparison.Ordinal);

    /// <summary>Opens the directory <paramref name="path"/> read-only for one call on its descriptor, then closes it.</summary>
    /// <param name="what">The call, as the error message says it: "cannot {what} {path}".</param>
    private static void CallOnDirectory(string path, Func<int, int> call, string what)
    {
        var fd = Open(path, 0x10000 /* O_RDONLY|O_DIRECTORY */);
        if (fd < 0)
        {
            throw Failure("open", path, Marshal.GetLastPInvokeError());
        }

        try
        {
            if (call(fd) != 0)
            {
                throw Failure(what, path, Marshal.GetLastPInvokeError());
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private static IOException Failure(string what, string path, int errno) =>
        new($"cannot {what} {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "utimensat", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Utimensat(int dirfd, string path, ref long times, int flags);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string newPath);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameNative(string from, string to);

    [LibraryImport("libc", EntryPoint = "renameat2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Renameat2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int Syncfs(int fd);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

using System.Runtime.InteropServices;
using Sync.Core.FileSystem;

namespace Sync.Core.Posix;

/// <summary>
/// The few Linux calls .NET does not expose: statx (inode, nanosecond times without following links),
/// utimensat (nanosecond mtimes, also on symlinks), link (hard links), fsync of a directory, and O_DIRECT creation.
/// </summary>
public static partial class Posix
{
    private const uint StatxBasicStats = 0x7ff;

    public static FileStatus? TryLStat(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (LinuxNative.Statx(LinuxNative.AtFdCwd, path, LinuxNative.AtSymlinkNoFollow, StatxBasicStats, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is LinuxNative.ENOENT or LinuxNative.ENOTDIR)
            {
                return null;
            }

            throw Failure("stat", path, errno);
        }

        return StatxBuffer.Parse(buffer);
    }

    public static FileStatus LStat(string path) =>
        TryLStat(path) ?? throw new FileNotFoundException($"no such file: {path}", path);

    /// <summary>Sets the modification time (nanoseconds since the epoch) without following a final symlink.</summary>
    public static void SetMtime(string path, long mtimeNs)
    {
        Span<long> times = stackalloc long[4];
        LinuxFileHandle.FillTimes(times, mtimeNs);
        if (LinuxNative.UtimensAt(LinuxNative.AtFdCwd, path, ref MemoryMarshal.GetReference(times), LinuxNative.AtSymlinkNoFollow) != 0)
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
    public static void FsyncDirectory(string path) => CallOnDirectory(path, LinuxNative.Fsync, "fsync");

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
        if (LinuxNative.RenameAt2(LinuxNative.AtFdCwd, a, LinuxNative.AtFdCwd, b, LinuxNative.RenameExchange) != 0)
        {
            throw Failure("exchange", b, Marshal.GetLastPInvokeError());
        }
    }

    /// <summary>Flushes the whole file system holding <paramref name="path"/>: one call instead of an fsync per staged file.</summary>
    public static void SyncFileSystem(string path) => CallOnDirectory(path, LinuxNative.Syncfs, "sync the file system of");

    public static bool IsDiskFull(Exception e) =>
        e is IOException io && (io.HResult & 0xFFFF) is LinuxNative.ENOSPC or LinuxNative.EDQUOT ||
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
            _ = LinuxNative.Close(fd);
        }
    }

    private static IOException Failure(string what, string path, int errno) =>
        new($"cannot {what} {path}: {Marshal.GetPInvokeErrorMessage(errno)}", errno);

    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string newPath);

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int RenameNative(string from, string to);
}

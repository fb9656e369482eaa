using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// The Linux calls the spool's space checks need and .NET does not expose: <c>statvfs</c> (how big the file system
/// is and what is free), <c>statx</c> (blocks a file really holds, since spool files are sparse) and
/// <c>fallocate</c> (reserve an object's blocks before the first symbol is written).
/// </summary>
internal static partial class SpoolSpace
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBlocks = 0x400;
    private const int EOPNOTSUPP = 95;
    private const int ENOSYS = 38;
    private const int ENOSPC = 28;
    private const int EDQUOT = 122;

    /// <summary>Size and space left of the file system holding <paramref name="path"/>: (total, available to unprivileged writers), or null when unknown.</summary>
    public static (long Total, long Available)? Query(string path)
    {
        // struct statvfs on 64-bit Linux: f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, ... each 8 bytes.
        Span<ulong> buffer = stackalloc ulong[16];
        if (StatVfs(path, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return null;
        }

        ulong fragment = buffer[1] == 0 ? buffer[0] : buffer[1];
        return ((long)Math.Min(buffer[2] * fragment, long.MaxValue), (long)Math.Min(buffer[4] * fragment, long.MaxValue));
    }

    /// <summary>Bytes of disk <paramref name="path"/> holds (allocated blocks, not its length); 0 when it is gone.</summary>
    public static long AllocatedBytes(string path)
    {
        // struct statx: stx_blocks (512-byte units) at offset 48.
        Span<byte> buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBlocks, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            return 0;
        }

        return (long)(MemoryMarshal.Read<ulong>(buffer[48..]) * 512);
    }

    /// <summary>Allocated bytes of every file below <paramref name="directory"/>.</summary>
    public static long AllocatedBytesUnder(string directory)
    {
        long total = 0;
        try
        {
            foreach (string file in Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 }))
            {
                total += AllocatedBytes(file);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A folder deleted while listing (a hand-over finishing): what is left is what counts.
        }

        return total;
    }

    /// <summary>
    /// Gives <paramref name="file"/> <paramref name="length"/> bytes of allocated blocks (its length grows to it). Where
    /// the file system cannot reserve, it only sets the length (sparse). Throws <see cref="IOException"/> (HResult the
    /// errno) when the reservation fails: then blocks may have been taken, and the caller must delete the file.
    /// </summary>
    public static void Reserve(SafeFileHandle file, long length)
    {
        if (length > 0)
        {
            if (Fallocate((int)file.DangerousGetHandle(), 0, 0, length) == 0)
            {
                return;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno is not (EOPNOTSUPP or ENOSYS))
            {
                throw new IOException($"cannot reserve {length} bytes: {Marshal.GetPInvokeErrorMessage(errno)}", errno);
            }
        }

        if (RandomAccess.GetLength(file) < length)
        {
            RandomAccess.SetLength(file, length);
        }
    }

    /// <summary>Whether a failure means the file system (or the quota) is full.</summary>
    public static bool IsDiskFull(IOException e) =>
        (e.HResult & 0xFFFF) is ENOSPC or EDQUOT || e.Message.Contains("No space left on device", StringComparison.Ordinal) ||
        e.Message.Contains("Disk quota exceeded", StringComparison.Ordinal);

    [LibraryImport("libc", EntryPoint = "statvfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatVfs(string path, ref ulong buffer);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(int fd, int mode, long offset, long length);
}

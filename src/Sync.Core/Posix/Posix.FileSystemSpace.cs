using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Sync.Core.FileSystem;

namespace Sync.Core.Posix;

/// <summary>
/// Free space, and reservations that never take more than is free. ext4 serves an fallocate larger than its free
/// space by taking every free block before it fails, and with FALLOC_FL_KEEP_SIZE keeps them until the file is
/// truncated or deleted: any other writer of that disk (the web server, its logs) fails meanwhile. So the free
/// space is checked first, and a reservation that fails all the same is released at once.
/// </summary>
public static partial class Posix
{
    // struct statvfs on LP64 Linux (x86-64, arm64): f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, ... then spares.
    private const int StatvfsBytes = 112;

    /// <summary>statvfs of the file system holding <paramref name="path"/> (a file or a directory that exists).</summary>
    public static DiskSpace GetDiskSpace(string path)
    {
        Span<byte> buffer = stackalloc byte[StatvfsBytes];
        if (Statvfs(path, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            throw Failure("check the free space of", path, Marshal.GetLastPInvokeError());
        }

        return ReadStatvfs(buffer);
    }

    /// <summary>
    /// Throws the disk-full error (ENOSPC) unless <paramref name="size"/> bytes fit on the file system that will hold
    /// <paramref name="path"/> with the safety margin left free. Call before preallocating through .NET.
    /// </summary>
    public static void EnsureSpaceFor(string path, long size)
    {
        if (size > 0)
        {
            CheckSpace(GetDiskSpace(Path.GetDirectoryName(Path.GetFullPath(path))!), path, size);
        }
    }

    /// <summary>Reserves <paramref name="size"/> bytes for the open file (KEEP_SIZE) once the free space allows it; releases them if that fails.</summary>
    internal static void Reserve(SafeFileHandle file, string path, long size)
    {
        if (size <= 0)
        {
            return;
        }

        Span<byte> buffer = stackalloc byte[StatvfsBytes];
        if (Fstatvfs(file, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            throw Failure("check the free space of", path, Marshal.GetLastPInvokeError());
        }

        CheckSpace(ReadStatvfs(buffer), path, size);
        ReserveUnchecked(file, path, size);
    }

    /// <summary>The reservation itself; internal so a test can prove that a failed one is released.</summary>
    internal static void ReserveUnchecked(SafeFileHandle file, string path, long size)
    {
        if (Fallocate(file, 0x1 /* FALLOC_FL_KEEP_SIZE */, 0, size) == 0)
        {
            return;
        }

        var errno = Marshal.GetLastPInvokeError();
        if (errno is LinuxNative.ENOSPC or LinuxNative.EDQUOT)
        {
            // ext4 keeps the blocks it took before failing: give them back before anyone else needs them.
            _ = Ftruncate(file, 0);
            throw Failure("reserve space for", path, errno);
        }

        // EOPNOTSUPP and the like: the reservation is only an early warning, writing still works.
    }

    private static void CheckSpace(DiskSpace space, string path, long size)
    {
        if (size > space.Reservable)
        {
            throw new IOException(
                $"cannot reserve {size} bytes for {path}: {space.AvailableBytes} bytes are free and {space.SafetyMargin} stay free for other writers ({Marshal.GetPInvokeErrorMessage(LinuxNative.ENOSPC)})",
                LinuxNative.ENOSPC);
        }
    }

    private static DiskSpace ReadStatvfs(ReadOnlySpan<byte> buffer)
    {
        var fragment = MemoryMarshal.Read<ulong>(buffer[8..]);
        var blocks = MemoryMarshal.Read<ulong>(buffer[16..]);
        var available = MemoryMarshal.Read<ulong>(buffer[32..]);
        return new DiskSpace(Bytes(available, fragment), Bytes(blocks, fragment));

        static long Bytes(ulong count, ulong size) => count > (ulong)long.MaxValue / Math.Max(size, 1) ? long.MaxValue : (long)(count * size);
    }

    [LibraryImport("libc", EntryPoint = "statvfs", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statvfs(string path, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "fstatvfs", SetLastError = true)]
    private static partial int Fstatvfs(SafeFileHandle fd, ref byte buffer);

    [LibraryImport("libc", EntryPoint = "fallocate", SetLastError = true)]
    private static partial int Fallocate(SafeFileHandle fd, int mode, long offset, long length);

    [LibraryImport("libc", EntryPoint = "ftruncate", SetLastError = true)]
    private static partial int Ftruncate(SafeFileHandle fd, long length);
}

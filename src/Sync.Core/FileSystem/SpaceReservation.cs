using static Sync.Core.FileSystem.LinuxNative;

namespace Sync.Core.FileSystem;

/// <summary>
/// Reserves a file's blocks up front, so a full disk fails before anything is written. On ext4, fallocate of more
/// than the free space first takes every free block and only then fails, and every other writer of that disk (a web
/// server, the journal) fails meanwhile: so the free space is checked first, and a request that does not fit with a
/// margin to spare is refused without asking the kernel.
/// </summary>
internal static class SpaceReservation
{
    /// <summary>Left free for others whatever is reserved: the journal and state files need a little room to finish.</summary>
    public const long Margin = 16 << 20;

    public static void Reserve(int fd, long length, string what)
    {
        if (FStatVfs(fd, out var vfs) == 0)
        {
            var available = (long)Math.Min(vfs.BlocksAvailable * vfs.FragmentSize, long.MaxValue);
            if (length > available - Margin)
            {
                throw new IOException(
                    $"cannot reserve {length} bytes for '{what}': No space left on device ({Math.Max(0, available)} bytes free)", ENOSPC);
            }
        }

        if (Fallocate(fd, 0x1 /* FALLOC_FL_KEEP_SIZE */, 0, length) != 0)
        {
            var errno = LastError;
            if (errno is ENOSPC or EDQUOT)
            {
                throw new IOException($"cannot reserve {length} bytes for '{what}': {Describe(errno)}", errno);
            }

            // EOPNOTSUPP and the like: the reservation is only an early warning; writing still works.
        }
    }
}

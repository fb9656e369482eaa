using System.Runtime.InteropServices;
using Sync.Core.Manifests;

namespace Sync.Core.Tests.Manifests;

/// <summary>
/// The reference the link resolver is checked against: the kernel itself, resolving a path in a real tree with
/// openat2(RESOLVE_BENEATH), which fails with EXDEV on any step above the directory it starts from (or an absolute
/// link), ELOOP past 40 links, and ENOENT/ENOTDIR on a missing name or a file used as a directory.
/// </summary>
internal static partial class KernelLinkOracle
{
    private const int OPath = 0x200000;
    private const int ODirectory = 0x10000;
    private const int OCloexec = 0x80000;
    private const ulong ResolveBeneath = 0x08;
    private const long SysOpenat2 = 437; // the same number on x86-64 and arm64

    /// <summary>What the kernel makes of <paramref name="path"/> (relative to <paramref name="root"/>), as resolver outcomes.</summary>
    public static (LinkOutcome Outcome, string Path) Resolve(string root, string path)
    {
        var rootFd = Open(root, OPath | ODirectory | OCloexec);
        Assert.True(rootFd >= 0, $"open {root}: errno {Marshal.GetLastPInvokeError()}");
        try
        {
            var how = new OpenHow { Flags = OPath | OCloexec, Resolve = ResolveBeneath };
            var fd = (int)Openat2(SysOpenat2, rootFd, path, ref how, (nuint)Marshal.SizeOf<OpenHow>());
            if (fd < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                return errno switch
                {
                    18 /* EXDEV */ => (LinkOutcome.Escapes, string.Empty),
                    40 /* ELOOP */ => (LinkOutcome.Loop, string.Empty),
                    2 /* ENOENT */ or 20 /* ENOTDIR */ => (LinkOutcome.Dangling, string.Empty),
                    38 /* ENOSYS */ => throw new InvalidOperationException("this kernel has no openat2 (Linux 5.6 or later is needed)"),
                    _ => throw new InvalidOperationException($"openat2 {path}: errno {errno}"),
                };
            }

            try
            {
                var reached = new FileInfo($"/proc/self/fd/{fd}").LinkTarget!;
                var rootReal = new FileInfo($"/proc/self/fd/{rootFd}").LinkTarget!;
                return (LinkOutcome.Inside, reached == rootReal ? string.Empty : Path.GetRelativePath(rootReal, reached));
            }
            finally
            {
                _ = Close(fd);
            }
        }
        finally
        {
            _ = Close(rootFd);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long Openat2(long number, int dirfd, string path, ref OpenHow how, nuint size);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}

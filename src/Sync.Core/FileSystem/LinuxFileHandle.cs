using Sync.Core.Posix;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using static Sync.Core.FileSystem.LinuxNative;

namespace Sync.Core.FileSystem;

/// <summary>An open regular file on Linux, read and written by position through <see cref="RandomAccess"/>.</summary>
internal sealed partial class LinuxFileHandle : IFileHandle
{
    private const long UtimeOmit = (1L << 30) - 2;

    private readonly SafeFileHandle _handle;

    public LinuxFileHandle(int fd, bool isDirect)
    {
        _handle = new SafeFileHandle(fd, ownsHandle: true);
        IsDirect = isDirect;
    }

    public long Length => RandomAccess.GetLength(_handle);

    public bool IsDirect { get; }

    internal SafeFileHandle Handle => _handle;

    private int Fd => (int)_handle.DangerousGetHandle();

    public int Read(Span<byte> buffer, long offset) => RandomAccess.Read(_handle, buffer, offset);

    public void Write(ReadOnlySpan<byte> buffer, long offset) => RandomAccess.Write(_handle, buffer, offset);

    public ValueTask<int> ReadAsync(Memory<byte> buffer, long offset, CancellationToken cancellationToken) =>
        RandomAccess.ReadAsync(_handle, buffer, offset, cancellationToken);

    public ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, long offset, CancellationToken cancellationToken) =>
        RandomAccess.WriteAsync(_handle, buffer, offset, cancellationToken);

    public void SetLength(long length) => RandomAccess.SetLength(_handle, length);

    public void Sync() => RandomAccess.FlushToDisk(_handle);

    public FileStatus Stat()
    {
        Span<byte> buffer = stackalloc byte[StatxBuffer.Size];
        if (Statx(Fd, string.Empty, AtEmptyPath, StatxBuffer.BasicStats, ref MemoryMarshal.GetReference(buffer)) != 0)
        {
            throw new IOException($"cannot stat an open file: {Describe(LastError)}", LastError);
        }

        return StatxBuffer.Parse(buffer);
    }

    public void SetMode(int mode)
    {
        if (Fchmod(Fd, mode) != 0)
        {
            throw new IOException($"cannot set the mode of an open file: {Describe(LastError)}", LastError);
        }
    }

    public void SetMtime(long mtimeNs)
    {
        Span<long> times = stackalloc long[4];
        FillTimes(times, mtimeNs);
        if (Futimens(Fd, ref MemoryMarshal.GetReference(times)) != 0)
        {
            throw new IOException($"cannot set the time of an open file: {Describe(LastError)}", LastError);
        }
    }

    public void Dispose() => _handle.Dispose();

    /// <summary>A timespec pair for utimensat/futimens: access time left alone, modification time as given.</summary>
    internal static void FillTimes(Span<long> times, long mtimeNs)
    {
        times[0] = 0;
        times[1] = UtimeOmit;
        times[2] = Math.DivRem(mtimeNs, 1_000_000_000L, out var ns);
        if (ns < 0)
        {
            times[2] -= 1;
            ns += 1_000_000_000L;
        }

        times[3] = ns;
    }

    [LibraryImport("libc", EntryPoint = "futimens", SetLastError = true)]
    private static partial int Futimens(int fd, ref long times);
}

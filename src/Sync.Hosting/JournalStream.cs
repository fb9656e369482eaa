using System.Globalization;
using System.Runtime.InteropServices;

namespace Sync.Hosting;

/// <summary>
/// Whether stderr is connected to the systemd journal. systemd sets <c>JOURNAL_STREAM=DEV:INODE</c> for a service whose
/// output goes to the journal; a process compares it with its own stderr, because a child that inherited the variable
/// but writes elsewhere (a pipe, a file) must not write priority prefixes there (systemd.exec(5), "JOURNAL_STREAM").
/// </summary>
internal static partial class JournalStream
{
    private const int StdErr = 2;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxIno = 0x100;

    public static bool IsStdErr() => Matches(Environment.GetEnvironmentVariable("JOURNAL_STREAM"), StdErrIdentity());

    /// <summary>Whether <paramref name="value"/> names the file <paramref name="identity"/> (device as stat(2) gives it, inode).</summary>
    internal static bool Matches(string? value, (ulong Device, ulong Inode)? identity)
    {
        if (identity is not { } id || string.IsNullOrEmpty(value))
        {
            return false;
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 &&
            ulong.TryParse(value.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var device) &&
            ulong.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var inode) &&
            device == id.Device && inode == id.Inode;
    }

    /// <summary>stderr's device and inode, or null when it cannot be asked (closed, not Linux).</summary>
    internal static (ulong Device, ulong Inode)? StdErrIdentity()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        Span<byte> buffer = stackalloc byte[256];
        try
        {
            if (Statx(StdErr, string.Empty, AtEmptyPath, StatxIno, ref MemoryMarshal.GetReference(buffer)) != 0)
            {
                return null;
            }
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }

        // struct statx: stx_ino at 32, stx_dev_major at 136, stx_dev_minor at 140; systemd prints st_dev, glibc's makedev of them.
        var inode = MemoryMarshal.Read<ulong>(buffer[32..]);
        ulong major = MemoryMarshal.Read<uint>(buffer[136..]);
        ulong minor = MemoryMarshal.Read<uint>(buffer[140..]);
        var device = ((major & 0xfffff000UL) << 32) | ((major & 0xfffUL) << 8) | ((minor & 0xffffff00UL) << 12) | (minor & 0xffUL);
        return (device, inode);
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirfd, string path, int flags, uint mask, ref byte buffer);
}

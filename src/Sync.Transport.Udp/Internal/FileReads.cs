using Microsoft.Win32.SafeHandles;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Positional reads of the spool and the object file that fill the whole span: <see cref="RandomAccess.Read(SafeFileHandle, Span{byte}, long)"/>
/// may return fewer bytes than asked before the end of the file. Each caller decides what a short file means.
/// </summary>
internal static class FileReads
{
    /// <summary>Reads from <paramref name="offset"/> until <paramref name="into"/> is full or the file ends; returns the bytes read.</summary>
    public static int ReadUntilFullOrEnd(SafeFileHandle file, Span<byte> into, long offset)
    {
        int filled = 0;
        while (filled < into.Length)
        {
            int n = RandomAccess.Read(file, into[filled..], offset + filled);
            if (n <= 0)
            {
                break;
            }

            filled += n;
        }

        return filled;
    }
}

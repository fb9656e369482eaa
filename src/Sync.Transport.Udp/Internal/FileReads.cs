using System.Buffers;
using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Positional reads of the spool and the object file that take all that was asked: <see cref="RandomAccess.Read(SafeFileHandle, Span{byte}, long)"/>
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

    /// <summary>
    /// SHA-256 of the first <paramref name="length"/> bytes of <paramref name="file"/>, read in 1 MiB pieces: what the
    /// sender announces and what the receiver checks a completed object against. Null when the file is shorter.
    /// </summary>
    public static Task<byte[]?> Sha256Async(SafeFileHandle file, long length, CancellationToken cancellationToken) => Sha256Async(file, 0, length, cancellationToken);

    /// <summary>As above, of the <paramref name="length"/> bytes at <paramref name="start"/> (a part of a spooled stream).</summary>
    public static async Task<byte[]?> Sha256Async(SafeFileHandle file, long start, long length, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            long offset = 0;
            while (offset < length)
            {
                int n = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, (int)Math.Min(buffer.Length, length - offset)), start + offset, cancellationToken).ConfigureAwait(false);
                if (n <= 0)
                {
                    return null;
                }

                sha.AppendData(buffer, 0, n);
                offset += n;
            }

            return sha.GetHashAndReset();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}

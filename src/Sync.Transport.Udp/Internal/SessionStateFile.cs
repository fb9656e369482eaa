using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// The resume record of one session, <c>state</c> in its spool folder: a 4 KiB header naming the object (so a spool
/// is never reused for another object under the same id), then one bitmap of held symbols per block, a bit per
/// symbol id (256 bits for GF(2^8), 65,536 for GF(2^16); <see cref="ObjectLayout.BitmapBytes"/>).
/// Bitmap pages are rewritten in place; bits only ever go from 0 to 1, so a torn page write still never claims a
/// symbol the data files lack (the caller writes a page only after fsyncing the data it covers).
/// </summary>
internal sealed class SessionStateFile : IDisposable
{
    public const int PageBytes = 4096;
    private const int HeaderBytes = 4096;
    private const uint Magic = 0x53445953; // "SYDS"
    private const uint Version = 1;

    // The part of the header that names the object. The code and its repair count came later, at 64..68; a record
    // written before them has zeros there, which is how a GF(2^8) session is named, so it still resumes.
    private const int DescriptionBytes = 72;

    private readonly SafeFileHandle _file;

    private SessionStateFile(SafeFileHandle file) => _file = file;

    /// <summary>Opens the record; loads <paramref name="bitmaps"/> from it when it describes <paramref name="info"/>'s object, else starts it afresh.</summary>
    public static SessionStateFile Open(string path, AnnounceInfo info, byte[] bitmaps, out bool resumed)
    {
        var file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        try
        {
            Span<byte> header = stackalloc byte[DescriptionBytes];
            Span<byte> expected = stackalloc byte[DescriptionBytes];
            Describe(info, expected);
            long bitmapBytes = (long)bitmaps.Length;
            resumed = RandomAccess.GetLength(file) == HeaderBytes + bitmapBytes &&
                RandomAccess.Read(file, header, 0) == header.Length && header.SequenceEqual(expected);
            if (resumed)
            {
                if (FileReads.ReadUntilFullOrEnd(file, bitmaps, HeaderBytes) < bitmaps.Length)
                {
                    throw new IOException("resume state shorter than its header says");
                }
            }
            else
            {
                Array.Clear(bitmaps);
                RandomAccess.SetLength(file, 0);
                RandomAccess.Write(file, expected, 0);
                RandomAccess.SetLength(file, HeaderBytes + bitmapBytes);
                RandomAccess.FlushToDisk(file);
            }

            return new SessionStateFile(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>The object a record describes (no descriptor, passes or repair count), or null when it is not one.</summary>
    public static AnnounceInfo? ReadInfo(string path)
    {
        Span<byte> header = stackalloc byte[DescriptionBytes];
        long fileLength;
        try
        {
            using SafeFileHandle file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            fileLength = RandomAccess.GetLength(file);
            if (RandomAccess.Read(file, header, 0) != header.Length ||
                BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic || BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != Version)
            {
                return null;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        long length = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
        int k = BinaryPrimitives.ReadUInt16LittleEndian(header[56..]);
        int symbolSize = BinaryPrimitives.ReadUInt16LittleEndian(header[58..]);
        long blocks = BinaryPrimitives.ReadUInt32LittleEndian(header[60..]);
        var code = (FecCode)BinaryPrimitives.ReadUInt16LittleEndian(header[64..]);
        int codeRepair = BinaryPrimitives.ReadUInt16LittleEndian(header[66..]);
        // The same bounds as a ticket's, with arithmetic that cannot overflow, and a file that holds the bitmaps it
        // claims (the caller allocates them): a damaged record is no record.
        if (!FecCodes.IsKnown(code) || FecCodes.ShapeError(code, k, codeRepair) is not null || !FecCodes.SymbolSizeFits(code, symbolSize) ||
            length is < 0 or > TicketCodec.MaxObjectBytes || blocks > FecCodes.MaxBlocks(code) ||
            ((length + symbolSize - 1) / symbolSize + k - 1) / k != blocks ||
            fileLength != HeaderBytes + (blocks * (FecCodes.SymbolSpace(code) / 8)))
        {
            return null;
        }

        return new AnnounceInfo(BinaryPrimitives.ReadUInt64LittleEndian(header[8..]), length, header[24..56].ToArray(), k, symbolSize, blocks, 0, codeRepair, [], code);
    }

    /// <summary>Writes a snapshot of whole bitmap pages; <paramref name="snapshot"/> holds them back to back.</summary>
    public void WritePages(IReadOnlyList<int> pages, ReadOnlySpan<byte> snapshot, long bitmapLength)
    {
        int at = 0;
        foreach (int page in pages)
        {
            long start = (long)page * PageBytes;
            int length = (int)Math.Min(PageBytes, bitmapLength - start);
            RandomAccess.Write(_file, snapshot.Slice(at, length), HeaderBytes + start);
            at += length;
        }
    }

    public void Flush() => RandomAccess.FlushToDisk(_file);

    public void Dispose() => _file.Dispose();

    private static void Describe(AnnounceInfo info, Span<byte> header)
    {
        header.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], Version);
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], info.SessionId);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], info.ObjectLength);
        info.Sha256.CopyTo(header[24..56]);
        BinaryPrimitives.WriteUInt16LittleEndian(header[56..], (ushort)info.K);
        BinaryPrimitives.WriteUInt16LittleEndian(header[58..], (ushort)info.SymbolSize);
        BinaryPrimitives.WriteUInt32LittleEndian(header[60..], (uint)info.BlockCount);
        BinaryPrimitives.WriteUInt16LittleEndian(header[64..], (ushort)info.Code);
        BinaryPrimitives.WriteUInt16LittleEndian(header[66..], (ushort)info.CodeRepairPerPass);
    }
}

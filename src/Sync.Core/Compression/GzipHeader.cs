using System.Buffers.Binary;

namespace Sync.Core.Compression;

/// <summary>
/// The gzip member header (RFC 1952) the compressors write and the prover reads: the fields a tool chose (mtime, extra
/// flags, OS, name) are copied from the file, so only the deflate settings have to be guessed.
/// </summary>
internal static class GzipHeader
{
    private const byte FlagName = 0x08;
    private const int FixedLength = 10;

    /// <summary>The header for a setting, written before the raw deflate data.</summary>
    public static byte[] Write(CompressionSetting setting)
    {
        var name = setting.GzipName;
        var header = new byte[FixedLength + (name is null ? 0 : name.Length + 1)];
        header[0] = 0x1f;
        header[1] = 0x8b;
        header[2] = 8;
        header[3] = name is null ? (byte)0 : FlagName;
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), setting.GzipMtime);
        header[8] = setting.GzipExtraFlags;
        header[9] = setting.GzipOs;
        name?.CopyTo(header.AsSpan(FixedLength));
        return header;
    }

    /// <summary>
    /// The header fields of a gzip file's first bytes, or null when they are not a header we can write again (other
    /// flags than FNAME, such as a comment, extra field or header CRC, or a name that does not fit).
    /// </summary>
    public static (uint Mtime, byte ExtraFlags, byte Os, byte[]? Name)? TryRead(ReadOnlySpan<byte> start)
    {
        if (start.Length < FixedLength || start[0] != 0x1f || start[1] != 0x8b || start[2] != 8 || (start[3] & ~FlagName) != 0)
        {
            return null;
        }

        byte[]? name = null;
        if ((start[3] & FlagName) != 0)
        {
            var end = start[FixedLength..].IndexOf((byte)0);
            if (end < 0 || end > CompressionSetting.MaxGzipNameBytes)
            {
                return null;
            }

            name = start.Slice(FixedLength, end).ToArray();
        }

        return (BinaryPrimitives.ReadUInt32LittleEndian(start[4..]), start[8], start[9], name);
    }

    /// <summary>The trailer: CRC-32 and size modulo 2^32 of the uncompressed data, little-endian.</summary>
    public static byte[] Trailer(uint crc, long length)
    {
        var trailer = new byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, crc);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer.AsSpan(4), unchecked((uint)length));
        return trailer;
    }
}

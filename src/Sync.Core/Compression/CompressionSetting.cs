using System.Globalization;

namespace Sync.Core.Compression;

/// <summary>
/// Everything that decides the bytes a compressor writes, as data, so the outside can prove a setting reproduces a
/// file and the inside can rebuild it with the same one. Deflate fields apply to gzip and zlib; the gzip header
/// fields are copied from the file being reproduced; the xz fields apply to xz (always one block, one thread).
/// </summary>
public sealed record CompressionSetting
{
    public const int MaxGzipNameBytes = 255;

    public CompressionFormat Format { get; init; }

    /// <summary>Deflate level 0-9, or the xz preset 0-9.</summary>
    public int Level { get; init; }

    /// <summary>Deflate window bits 9-15 (the container is chosen by <see cref="Format"/>, not by this value's sign or offset).</summary>
    public int WindowBits { get; init; } = 15;

    /// <summary>Deflate memory level 1-9.</summary>
    public int MemLevel { get; init; } = 8;

    /// <summary>Deflate strategy 0-4 (Z_DEFAULT_STRATEGY, Z_FILTERED, Z_HUFFMAN_ONLY, Z_RLE, Z_FIXED).</summary>
    public int Strategy { get; init; }

    /// <summary>The gzip header's MTIME field.</summary>
    public uint GzipMtime { get; init; }

    /// <summary>The gzip header's XFL byte (zlib writes 2 at level 9, 4 at level 1, else 0; gzip may differ).</summary>
    public byte GzipExtraFlags { get; init; }

    /// <summary>The gzip header's OS byte (3: Unix).</summary>
    public byte GzipOs { get; init; } = 3;

    /// <summary>The gzip header's FNAME field (Latin-1 bytes, no terminator), or null when the header has none.</summary>
    public byte[]? GzipName { get; init; }

    /// <summary>
    /// The stream is followed by an empty one made with the same setting (an empty gzip member, an empty .xz stream), as
    /// APT's FileFd (apt-ftparchive) writes when it closes a file.
    /// </summary>
    public bool EmptyStreamAfter { get; init; }

    /// <summary>xz: the preset's extreme variant (-e).</summary>
    public bool Extreme { get; init; }

    /// <summary>xz: the integrity check id (0 none, 1 CRC32, 4 CRC64, 10 SHA-256).</summary>
    public int Check { get; init; } = XzCheck.Crc64;

    public static CompressionSetting Gzip(int level, uint mtime = 0, byte os = 3, byte[]? name = null) => new()
    {
        Format = CompressionFormat.Gzip, Level = level, GzipMtime = mtime, GzipOs = os, GzipName = name,
        GzipExtraFlags = (byte)(level == 9 ? 2 : level == 1 ? 4 : 0),
    };

    public static CompressionSetting Xz(int preset, bool extreme = false, int check = XzCheck.Crc64) => new()
    {
        Format = CompressionFormat.Xz, Level = preset, Extreme = extreme, Check = check,
    };

    /// <summary>Why this setting is not one the compressors accept, or null when it is valid. Every received setting is checked.</summary>
    public string? Problem()
    {
        switch (Format)
        {
            case CompressionFormat.Gzip or CompressionFormat.Zlib:
                if (Level is < 0 or > 9 || WindowBits is < 9 or > 15 || MemLevel is < 1 or > 9 || Strategy is < 0 or > 4)
                {
                    return $"deflate level {Level}, window bits {WindowBits}, memory level {MemLevel}, strategy {Strategy} out of range";
                }

                return GzipName is { Length: > MaxGzipNameBytes } || (GzipName is not null && GzipName.Contains((byte)0))
                    ? "gzip name too long or holds a NUL"
                    : null;
            case CompressionFormat.Xz:
                return Level is < 0 or > 9 || Check is not (XzCheck.None or XzCheck.Crc32 or XzCheck.Crc64 or XzCheck.Sha256)
                    ? $"xz preset {Level} or check {Check} out of range"
                    : null;
            default:
                return $"unknown compression format {(int)Format}";
        }
    }

    /// <summary>A short description for logs: "gzip -9 (mtime 0, os 3)", "xz -6e crc64".</summary>
    public override string ToString() => Format switch
    {
        CompressionFormat.Xz => string.Create(CultureInfo.InvariantCulture,
            $"xz -{Level}{(Extreme ? "e" : string.Empty)} check {Check}{(EmptyStreamAfter ? ", empty stream after" : string.Empty)}"),
        CompressionFormat.Gzip => string.Create(CultureInfo.InvariantCulture,
            $"gzip -{Level} (window {WindowBits}, mem {MemLevel}, strategy {Strategy}, mtime {GzipMtime}, xfl {GzipExtraFlags}, os {GzipOs}{(GzipName is null ? string.Empty : ", named")}{(EmptyStreamAfter ? ", empty member after" : string.Empty)})"),
        _ => string.Create(CultureInfo.InvariantCulture, $"zlib -{Level} (window {WindowBits}, mem {MemLevel}, strategy {Strategy})"),
    };

    public bool Equals(CompressionSetting? other) =>
        other is not null && Format == other.Format && Level == other.Level && WindowBits == other.WindowBits && MemLevel == other.MemLevel &&
        Strategy == other.Strategy && GzipMtime == other.GzipMtime && GzipExtraFlags == other.GzipExtraFlags && GzipOs == other.GzipOs &&
        (GzipName ?? []).AsSpan().SequenceEqual(other.GzipName ?? []) && (GzipName is null) == (other.GzipName is null) && EmptyStreamAfter == other.EmptyStreamAfter &&
        Extreme == other.Extreme && Check == other.Check;

    public override int GetHashCode() => HashCode.Combine(Format, Level, WindowBits, MemLevel, Strategy, GzipMtime, Extreme, Check);
}

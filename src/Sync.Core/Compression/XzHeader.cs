namespace Sync.Core.Compression;

/// <summary>
/// What the start of an .xz file says about how it was made: the check (stream header) and, when its first block has a
/// single LZMA2 filter, the dictionary size (block header), which narrows the presets worth trying.
/// </summary>
internal static class XzHeader
{
    private const int StreamHeaderLength = 12;
    private const ulong Lzma2FilterId = 0x21;

    public static (int Check, long DictionarySize)? TryRead(ReadOnlySpan<byte> start)
    {
        if (start.Length < StreamHeaderLength + 8 || !start[..6].SequenceEqual((ReadOnlySpan<byte>)[0xfd, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0]) ||
            start[6] != 0 || (start[7] & 0xf0) != 0)
        {
            return null;
        }

        var check = start[7];
        var block = start[StreamHeaderLength..];
        var headerLength = (block[0] + 1) * 4;
        if (block[0] == 0 || headerLength > block.Length || (block[1] & 0x03) != 0)
        {
            return null; // an empty stream, a header beyond what we read, or more than one filter
        }

        var position = 2;
        if ((block[1] & 0x40) != 0 && !TrySkipVarint(block, ref position))
        {
            return null;
        }

        if ((block[1] & 0x80) != 0 && !TrySkipVarint(block, ref position))
        {
            return null;
        }

        if (!TryReadVarint(block, ref position, out var filter) || filter != Lzma2FilterId ||
            !TryReadVarint(block, ref position, out var propertiesLength) || propertiesLength != 1 || position >= headerLength)
        {
            return null;
        }

        var bits = block[position];
        return bits > 40 ? null : (check, (2L | (bits & 1L)) << (bits / 2 + 11));
    }

    /// <summary>The LZMA2 dictionary of an xz preset (liblzma's table; the extreme variants use the same).</summary>
    public static long PresetDictionarySize(int preset) => preset switch
    {
        0 => 256 << 10,
        1 => 1 << 20,
        2 => 2 << 20,
        3 or 4 => 4 << 20,
        5 or 6 => 8 << 20,
        7 => 16 << 20,
        8 => 32 << 20,
        _ => 64 << 20,
    };

    private static bool TrySkipVarint(ReadOnlySpan<byte> span, ref int position) => TryReadVarint(span, ref position, out _);

    private static bool TryReadVarint(ReadOnlySpan<byte> span, ref int position, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 63 && position < span.Length; shift += 7)
        {
            var b = span[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }

        return false;
    }
}

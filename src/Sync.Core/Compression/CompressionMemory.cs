namespace Sync.Core.Compression;

/// <summary>
/// How much memory compressing a file with a setting takes, so rebuilds and proofs can run side by side without
/// exceeding a budget. liblzma's preset 9 reserves 674 MiB, but the match finder only touches pages in proportion to
/// the input (a 36 MB Packages peaked at about 330 MiB RSS): the estimate is the smaller of the two.
/// </summary>
public static class CompressionMemory
{
    private const long Overhead = 4 << 20;

    /// <summary>Bytes of memory compressing <paramref name="inputLength"/> bytes with <paramref name="setting"/> may touch.</summary>
    public static long Estimate(CompressionSetting setting, long inputLength)
    {
        ArgumentNullException.ThrowIfNull(setting);
        if (setting.Format != CompressionFormat.Xz)
        {
            // deflate: window and hash tables of a few hundred KiB at most.
            return Overhead + (1L << (setting.WindowBits + 2)) + (1L << (setting.MemLevel + 9));
        }

        long reserved;
        try
        {
            reserved = (long)Math.Min(LzmaNative.EasyEncoderMemusage((uint)setting.Level | (setting.Extreme ? LzmaNative.PresetExtreme : 0)), long.MaxValue);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            reserved = 700L << 20;
        }

        // The binary-tree match finder keeps two 4-byte links per input byte, plus the dictionary itself.
        return Overhead + Math.Min(reserved, checked(inputLength * 10));
    }
}

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Where `send` cuts a generation's stream into parts while it spools it, so the first part leaves within
/// milliseconds of the plan's end and the inside can apply each part while the next is on the wire. The first part is
/// 1 MiB (sent in shorter blocks that keep the interleave depth and repairs per block: UdpSendOptions.ForPart); the
/// next ones grow from 2 MiB to 32 MiB (larger parts spend less of the link on per-session announces and tails) and
/// are rounded up to whole interleave windows (k × symbol × interleave bytes), so they are sent in the shape the
/// operator planned.
/// </summary>
internal sealed class SpoolPartPlan
{
    public const long FirstPartBytes = 1 << 20;
    public const long LargestGrowthBytes = 32 << 20;

    private SpoolPartPlan(long windowBytes) => WindowBytes = windowBytes;

    /// <summary>Bytes of one interleave window with the configured code: every part is a whole number of them.</summary>
    public long WindowBytes { get; }

    public static SpoolPartPlan For(UdpSendOptions options) =>
        new(Math.Max(1, (long)options.DataSymbolsPerBlock * options.SymbolSize * Math.Max(1, options.Interleave)));

    /// <summary>The size at which part <paramref name="index"/> is closed (at the first write past it).</summary>
    public long TargetBytes(int index)
    {
        if (index == 0)
        {
            return FirstPartBytes; // sent in shorter blocks that keep the window's depth: UdpSendOptions.ForPart
        }

        long growth = index >= 5 ? LargestGrowthBytes : Math.Min(LargestGrowthBytes, FirstPartBytes << index);
        return (growth + WindowBytes - 1) / WindowBytes * WindowBytes;
    }

    /// <summary>The parts a stream of <paramref name="length"/> bytes was cut into: every one full but the last, which is never empty.</summary>
    public IEnumerable<(StreamPart Place, long Length)> Cut(long length)
    {
        long offset = 0;
        for (int index = 0; ; index++)
        {
            long size = Math.Min(TargetBytes(index), length - offset);
            bool last = offset + size >= length;
            yield return (new StreamPart(index, offset, last), size);
            if (last)
            {
                yield break;
            }

            offset += size;
        }
    }
}

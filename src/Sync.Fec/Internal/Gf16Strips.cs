using System.Numerics;

namespace Sync.Fec.Internal;

/// <summary>
/// Column strips for the GF(2^16) code. Every byte column of a symbol goes through the transforms on its own, so
/// the codec may run a whole encode or decode on one strip of each symbol at a time. Measured on Zen 4, narrow strips
/// (256 or 512 bytes, to keep the work buffer in L3) lost to whole symbols: every strip reads each symbol again and
/// looks up each position's constant again. So strips only cap the scratch memory of long symbols (jumbo frames):
/// anything up to <see cref="MaxBytes"/> goes whole. Each slot in the work buffer is one cache line longer than its
/// strip, so slots 2^l apart do not all fall into the same cache sets.
/// </summary>
internal static class Gf16Strips
{
    public const int MaxBytes = 4096;

    /// <summary>What a transform phase should fit in (well inside L2): it picks the layers per phase.</summary>
    public const int PhaseBytes = 128 * 1024;

    public static int Count(int symbolLength) => (symbolLength + MaxBytes - 1) / MaxBytes;

    /// <summary>Strip <paramref name="index"/> of <see cref="Count"/>: widths as even as whole 64-byte units allow.</summary>
    public static (int Offset, int Width) Strip(int symbolLength, int index)
    {
        var units = symbolLength / 64;
        var count = Count(symbolLength);
        var start = units * index / count;
        var end = units * (index + 1) / count;
        return (start * 64, (end - start) * 64);
    }

    public static int Stride(int width) => width + 64;

    /// <summary>The slot size that fits every strip of a symbol: strips differ by at most one 64-byte unit.</summary>
    public static int MaxStride(int symbolLength) => Stride(Strip(symbolLength, Count(symbolLength) - 1).Width);

    public static int PhaseLayers(int stride) => Math.Max(2, BitOperations.Log2((uint)(PhaseBytes / stride)));
}

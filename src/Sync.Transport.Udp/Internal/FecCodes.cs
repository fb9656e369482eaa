using Sync.Fec;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What the carrier needs to know of each <see cref="FecCode"/> without building a codec: how many symbol ids a block
/// has, which shapes the code allows, how long its symbols may be, how many blocks a receiver accepts. Pure.
/// </summary>
internal static class FecCodes
{
    /// <summary>Symbol ids per block on the wire and in a receiver's bitmaps (data first, then repairs).</summary>
    public static int SymbolSpace(FecCode code) => code == FecCode.ReedSolomon16 ? ReedSolomon16Codec.FieldSize : 256;

    /// <summary>
    /// Most blocks per object a receiver accepts: bounds its per-block state (a bitmap of <see cref="SymbolSpace"/>
    /// bits per block) at about 512 MiB for GF(2^8) and 1 GiB for GF(2^16).
    /// </summary>
    public static long MaxBlocks(FecCode code) => code == FecCode.ReedSolomon16 ? 1L << 17 : 1L << 24;

    public static bool IsKnown(FecCode code) => code is FecCode.ReedSolomon8 or FecCode.ReedSolomon16;

    /// <summary>
    /// The ids block of <paramref name="k"/> data symbols can carry: data 0..k-1, then repair j as id k + j up to the
    /// code's last repair index. The schedule wraps around this many.
    /// </summary>
    public static int IdSpace(FecCode code, int k, int repairPerPass) =>
        code == FecCode.ReedSolomon16 ? k + ReedSolomon16Codec.MaxRepairSymbolsFor(k, repairPerPass) : SymbolSpace(code);

    /// <summary>Why k data symbols with <paramref name="repairPerPass"/> repairs per pass is no shape of the code; null when it is one.</summary>
    public static string? ShapeError(FecCode code, int k, int repairPerPass)
    {
        if (code == FecCode.ReedSolomon16)
        {
            return ReedSolomon16Codec.Fits(k, repairPerPass)
                ? null
                : $"GF(2^16) blocks need k >= 1 and k plus the repair count rounded up to a power of two at most {ReedSolomon16Codec.FieldSize} (k {k}, repair {repairPerPass})";
        }

        return k is >= 1 and < 256 && repairPerPass >= 0 && k + repairPerPass <= 256
            ? null
            : $"GF(2^8) blocks need 1 <= k <= 255 and k + repair at most 256 (k {k}, repair {repairPerPass})";
    }

    /// <summary>The longest symbol the code can use in <paramref name="room"/> payload bytes (GF(2^16): a multiple of 64 bytes).</summary>
    public static int SymbolSize(FecCode code, int room) =>
        code == FecCode.ReedSolomon16 ? room / ReedSolomon16Codec.SymbolAlignment * ReedSolomon16Codec.SymbolAlignment : room;

    public static bool SymbolSizeFits(FecCode code, int symbolSize) =>
        symbolSize >= 1 && (code != FecCode.ReedSolomon16 || symbolSize % ReedSolomon16Codec.SymbolAlignment == 0);

    /// <summary>
    /// Scratch a receiver needs to decode one block, beside the block's own data and repairs: none for GF(2^8) (it
    /// solves in strips); for GF(2^16) the decode domain, slots of the symbol plus a cache line (docs/fec.md): N with
    /// first-pass repairs, 2N with the second pass's, as the planner counts it. The codec takes the lowest-numbered
    /// repairs, so only a block that lost more than two passes can make up for needs more, once.
    /// </summary>
    public static long DecodeScratchBytes(FecCode code, int k, int repairPerPass, int symbolSize)
    {
        if (code != FecCode.ReedSolomon16)
        {
            return 0;
        }

        long window = (long)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(repairPerPass, 1));
        long domain = (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)(window + k));
        return 2 * domain * (symbolSize + 64);
    }

    public static string Name(FecCode code) => code switch
    {
        FecCode.ReedSolomon8 => "RS over GF(2^8)",
        FecCode.ReedSolomon16 => "RS over GF(2^16)",
        _ => $"code {(int)code}",
    };
}

using System.Runtime.Intrinsics.X86;

namespace Sync.Fec.Internal;

/// <summary>
/// How the GF(2^16) code multiplies a region by a constant; chosen once per codec (the best the CPU has unless a
/// test or benchmark forces one). Every path computes the same bytes.
/// </summary>
internal enum Gf16Path
{
    /// <summary>Log/exp lookups, one 16-bit word at a time.</summary>
    Scalar,

    /// <summary>Split nibble on 128-bit vectors (PSHUFB on x86, TBL on ARM64): 16 shuffles per 64 bytes.</summary>
    Vector128,

    /// <summary>Split nibble with VPSHUFB: four 16-entry tables per product byte, 8 shuffles per 64 bytes.</summary>
    Avx2,

    /// <summary>
    /// Split nibble on 512-bit vectors holding a whole 64-byte unit (low plane | high plane): a swap of the two
    /// halves lets 4 shuffles produce both product planes.
    /// </summary>
    Avx512,

    /// <summary>GF2P8AFFINEQB on 256-bit vectors: the 16x16 bit matrix of the constant as four 8x8 blocks.</summary>
    Gfni,

    /// <summary>GF2P8AFFINEQB on 512-bit vectors: two affine transforms per 64 bytes (the unit and its swapped halves).</summary>
    Gfni512,
}

internal static class Gf16Paths
{
    /// <summary>
    /// The path a codec uses unless told otherwise, in the order measured on Zen 4 (docs/fec.md): GFNI on 512-bit
    /// vectors, GFNI on 256, then AVX2. The AVX-512 split nibble measured slower than AVX2 there (its lane swap, on
    /// double-pumped 512-bit units) and every CPU with it has AVX2, so it runs only when forced.
    /// </summary>
    public static Gf16Path Best { get; } =
        IsSupported(Gf16Path.Gfni512) ? Gf16Path.Gfni512
        : IsSupported(Gf16Path.Gfni) ? Gf16Path.Gfni
        : IsSupported(Gf16Path.Avx2) ? Gf16Path.Avx2
        : IsSupported(Gf16Path.Vector128) ? Gf16Path.Vector128
        : Gf16Path.Scalar;

    public static bool IsSupported(Gf16Path path) => path switch
    {
        Gf16Path.Scalar => true,
        Gf16Path.Vector128 => CpuFeatures.ByteShuffle128,
        Gf16Path.Avx2 => Avx2.IsSupported,
        Gf16Path.Avx512 => Avx512BW.IsSupported && Avx512F.IsSupported,
        Gf16Path.Gfni => CpuFeatures.Gfni256,
        Gf16Path.Gfni512 => Gfni.V512.IsSupported && Avx512F.IsSupported,
        _ => false,
    };
}

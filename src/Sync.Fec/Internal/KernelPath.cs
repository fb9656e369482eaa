using System.Runtime.Intrinsics.X86;

namespace Sync.Fec.Internal;

/// <summary>Which instruction set multiplies regions; chosen once per process, overridable per codec for tests.</summary>
internal enum KernelPath
{
    /// <summary>One lookup in a 256-entry product row per byte.</summary>
    Scalar,

    /// <summary>
    /// Split-nibble on 128-bit vectors through the portable <c>Vector128</c> API: PSHUFB on x86 (SSSE3), TBL on
    /// ARM64. The fallback where AVX2 is missing, which on ARM servers is always.
    /// </summary>
    Vector128,

    /// <summary>Split-nibble: two 16-entry tables per constant, VPSHUFB on the low and high nibbles.</summary>
    Avx2,

    /// <summary>GF2P8AFFINEQB with the constant's bit matrix, 32 bytes per instruction.</summary>
    Gfni,
}

internal static class KernelPaths
{
    public static KernelPath Best { get; } =
        IsSupported(KernelPath.Gfni) ? KernelPath.Gfni
        : IsSupported(KernelPath.Avx2) ? KernelPath.Avx2
        : IsSupported(KernelPath.Vector128) ? KernelPath.Vector128
        : KernelPath.Scalar;

    public static bool IsSupported(KernelPath path) => path switch
    {
        KernelPath.Scalar => true,
        KernelPath.Vector128 => CpuFeatures.ByteShuffle128,
        KernelPath.Avx2 => Avx2.IsSupported,
        KernelPath.Gfni => CpuFeatures.Gfni256,
        _ => false,
    };
}

using System.Runtime.Intrinsics.X86;

namespace Sync.Fec.Internal;

/// <summary>Which instruction set multiplies regions; chosen once per process, overridable per codec for tests.</summary>
internal enum KernelPath
{
    /// <summary>One lookup in a 256-entry product row per byte.</summary>
    Scalar,

    /// <summary>Split-nibble: two 16-entry tables per constant, VPSHUFB on the low and high nibbles.</summary>
    Avx2,

    /// <summary>GF2P8AFFINEQB with the constant's bit matrix, 32 bytes per instruction.</summary>
    Gfni,
}

internal static class KernelPaths
{
    public static KernelPath Best { get; } =
        IsSupported(KernelPath.Gfni) ? KernelPath.Gfni : IsSupported(KernelPath.Avx2) ? KernelPath.Avx2 : KernelPath.Scalar;

    public static bool IsSupported(KernelPath path) => path switch
    {
        KernelPath.Scalar => true,
        KernelPath.Avx2 => Avx2.IsSupported,
        // The GFNI kernels load, store and XOR with AVX2; a CPU with 256-bit GFNI has it.
        KernelPath.Gfni => Gfni.V256.IsSupported && Avx2.IsSupported,
        _ => false,
    };
}

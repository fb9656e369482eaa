using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Sync.Fec.Internal;

/// <summary>
/// The instruction sets the kernels of both codes (<see cref="KernelPaths"/>, <see cref="Gf16Paths"/>) rely on, decided
/// in one place so the two never disagree about what a CPU can run.
/// </summary>
internal static class CpuFeatures
{
    /// <summary>
    /// A 128-bit byte shuffle in one instruction (PSHUFB with SSSE3, TBL on ARM64): where it is missing,
    /// <c>Vector128.ShuffleNative</c> is emulated, slowly.
    /// </summary>
    public static bool ByteShuffle128 => Vector128.IsHardwareAccelerated && (Ssse3.IsSupported || AdvSimd.Arm64.IsSupported);

    /// <summary>GF2P8AFFINEQB on 256-bit vectors; the kernels load, store and XOR with AVX2, which such a CPU has.</summary>
    public static bool Gfni256 => Gfni.V256.IsSupported && Avx2.IsSupported;
}

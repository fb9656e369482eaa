using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sync.Fec.Internal;

/// <summary>XOR of regions whose length is a multiple of 64 bytes, at the widest vector width the CPU accelerates.</summary>
internal static unsafe class RegionXor
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Into(byte* destination, byte* source, int bytes)
    {
        if (Vector512.IsHardwareAccelerated)
        {
            for (nint i = 0; i < bytes; i += 64)
            {
                (Vector512.Load(destination + i) ^ Vector512.Load(source + i)).Store(destination + i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (nint i = 0; i < bytes; i += 32)
            {
                (Vector256.Load(destination + i) ^ Vector256.Load(source + i)).Store(destination + i);
            }
        }
        else
        {
            for (nint i = 0; i < bytes; i += 16)
            {
                (Vector128.Load(destination + i) ^ Vector128.Load(source + i)).Store(destination + i);
            }
        }
    }

    /// <summary>
    /// The formal derivative in the novel basis, plus the polynomial itself, in place on n coefficients:
    /// coefficient c - 2^j gains coefficient c for every set bit j of c. Adding the polynomial is free here (its
    /// value is zero wherever the decoder reads the derivative) and lets the XORs run in place: in this order
    /// (Leopard's, which is depth-first) every coefficient is read before anything is added to it.
    /// </summary>
    public static void FormalDerivativePlusSelf(byte* work, nint stride, int bytes, int n)
    {
        for (var i = 1; i < n; i++)
        {
            var width = i & -i;
            for (var t = 0; t < width; t++)
            {
                Into(work + (i - width + t) * stride, work + (i + t) * stride, bytes);
            }
        }
    }
}

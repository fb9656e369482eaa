using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sync.Core.Delta;

/// <summary>
/// The rsync-style weak checksum of a block: a = sum of the bytes, b = sum of the running values of a, both
/// mod 2^16, packed as a | b &lt;&lt; 16. It rolls: sliding the window one byte costs a few additions, which is
/// what lets the encoder test every offset of the new content against every block of the base.
/// </summary>
/// <remarks>
/// The running sums are kept as unsigned 32-bit values that wrap; only their low 16 bits are ever read, and
/// wrapping mod 2^32 preserves those.
/// </remarks>
internal static class WeakChecksum
{
    public static uint Compute(ReadOnlySpan<byte> block)
    {
        Sums(block, out var a, out var b);
        return Pack(a, b);
    }

    public static void Sums(ReadOnlySpan<byte> block, out uint a, out uint b)
    {
        uint sumA = 0, sumB = 0;
        ref var source = ref MemoryMarshal.GetReference(block);
        var i = 0;

        // Four bytes a step, folded into one update of each sum: the same result as the byte loop with a quarter
        // of its dependency chain, which is what bounds the speed of signing.
        for (; i <= block.Length - 4; i += 4)
        {
            uint x0 = Unsafe.Add(ref source, i);
            uint x1 = Unsafe.Add(ref source, i + 1);
            uint x2 = Unsafe.Add(ref source, i + 2);
            uint x3 = Unsafe.Add(ref source, i + 3);
            sumB += (4 * sumA) + (4 * x0) + (3 * x1) + (2 * x2) + x3;
            sumA += x0 + x1 + x2 + x3;
        }

        for (; i < block.Length; i++)
        {
            sumA += Unsafe.Add(ref source, i);
            sumB += sumA;
        }

        a = sumA;
        b = sumB;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Pack(uint a, uint b) => (a & 0xFFFF) | (b << 16);
}

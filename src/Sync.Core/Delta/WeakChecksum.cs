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
        for (var i = 0; i < block.Length; i++)
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

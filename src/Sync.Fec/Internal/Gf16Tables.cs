using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Sync.Fec.Internal;

/// <summary>
/// Multiplication by a constant of GF(2^16) in the forms the kernels read, for every one of the 65,536 constants, so
/// a butterfly finds its twiddle's tables with one address computation. Each table is built on first use by the path
/// that reads it (8 MiB of nibble tables for the shuffle paths, 2 MiB of bit matrices for GFNI), on the pinned heap,
/// and is read-only afterwards.
/// </summary>
/// <remarks>
/// Multiplication by c is linear over GF(2) in Cantor coordinates too, so c·x is the XOR of c·(each nibble of x in
/// place): <c>T_q[v] = c·(v &lt;&lt; 4q)</c>. A symbol stores each 64-byte unit as 32 low bytes then 32 high bytes, so
/// the kernels split the low plane into nibbles 0 and 1 and the high plane into nibbles 2 and 3, and look each up
/// twice: once for the low byte of the product and once for the high byte.
/// </remarks>
internal static unsafe class Gf16Tables
{
    /// <summary>Bytes of nibble tables per constant: T0..T3 low product bytes, then T0..T3 high product bytes.</summary>
    public const int NibbleBytes = 128;

    /// <summary>Bit matrices per constant, in this order: low←low, low←high, high←low, high←high.</summary>
    public const int MatricesPerConstant = 4;

    /// <summary>The 128 bytes of <paramref name="constant"/>'s nibble tables.</summary>
    public static byte* Nibbles(ushort constant) => NibbleStore.Base + constant * NibbleBytes;

    /// <summary>The four GF2P8AFFINEQB matrices of <paramref name="constant"/>.</summary>
    public static ulong* Matrices(ushort constant) => MatrixStore.Base + constant * MatricesPerConstant;

    public static void PrefetchNibbles(ushort constant)
    {
        var tables = Nibbles(constant);
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(tables);
            Sse.Prefetch0(tables + 64);
        }
    }

    public static void PrefetchMatrices(ushort constant)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(Matrices(constant));
        }
    }

    /// <summary>Fills the 128-byte nibble tables of one constant.</summary>
    public static void FillNibbles(ushort constant, Span<byte> tables)
    {
        Span<ushort> products = stackalloc ushort[16];
        for (var bit = 0; bit < 16; bit++)
        {
            products[bit] = Gf16.Multiply(constant, (ushort)(1 << bit));
        }

        for (var q = 0; q < 4; q++)
        {
            tables[16 * q] = 0;
            tables[64 + 16 * q] = 0;
            for (var v = 1; v < 16; v++)
            {
                // v's product is that of v without its lowest bit, plus the lowest bit's own product.
                var lowest = System.Numerics.BitOperations.TrailingZeroCount(v);
                var without = v & (v - 1);
                var product = (ushort)(ProductOf(tables, q, without) ^ products[4 * q + lowest]);
                tables[16 * q + v] = (byte)product;
                tables[64 + 16 * q + v] = (byte)(product >> 8);
            }
        }

        static ushort ProductOf(Span<byte> tables, int q, int v) => (ushort)(tables[16 * q + v] | tables[64 + 16 * q + v] << 8);
    }

    /// <summary>
    /// The four 8x8 bit matrices of x ↦ constant·x between the byte planes. GF2P8AFFINEQB computes output bit i as
    /// parity(matrix.byte[7 - i] AND x), so for output plane P and input plane Q, byte 7 - i holds at bit k the bit
    /// 8P + i of constant·2^(8Q + k).
    /// </summary>
    public static void FillMatrices(ushort constant, Span<ulong> matrices)
    {
        matrices[..MatricesPerConstant].Clear();
        for (var inputBit = 0; inputBit < 16; inputBit++)
        {
            var column = Gf16.Multiply(constant, (ushort)(1 << inputBit));
            var inputPlane = inputBit >> 3;
            for (var outputBit = 0; outputBit < 16; outputBit++)
            {
                if ((column >> outputBit & 1) != 0)
                {
                    var outputPlane = outputBit >> 3;
                    matrices[2 * outputPlane + inputPlane] |= 1UL << ((7 - (outputBit & 7)) * 8 + (inputBit & 7));
                }
            }
        }
    }

    /// <summary>One table per element of the field, pinned so the kernels can keep a pointer to it.</summary>
    private static T[] BuildPinned<T>(int perConstant, SpanAction<T, ushort> fill)
    {
        var table = GC.AllocateUninitializedArray<T>(Gf16.Order * perConstant, pinned: true);
        for (var c = 0; c < Gf16.Order; c++)
        {
            fill(table.AsSpan(c * perConstant, perConstant), (ushort)c);
        }

        return table;
    }

    private static class NibbleStore
    {
        private static readonly byte[] s_table = BuildPinned<byte>(NibbleBytes, static (tables, c) => FillNibbles(c, tables));

        public static readonly byte* Base = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(s_table));
    }

    private static class MatrixStore
    {
        private static readonly ulong[] s_table = BuildPinned<ulong>(MatricesPerConstant, static (matrices, c) => FillMatrices(c, matrices));

        public static readonly ulong* Base = (ulong*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(s_table));
    }
}

using System.Runtime.CompilerServices;

namespace Sync.Fec.Internal.Gf16Ops;

/// <summary>
/// One constant's split-nibble tables in registers of one width, and the product of 16-bit words held as a plane of
/// low bytes and a plane of high bytes: the low plane gives nibbles 0 and 1, the high plane nibbles 2 and 3, and each
/// nibble is looked up in a table of the low product bytes (L*) and one of the high product bytes (H*). Written once
/// for <see cref="Avx2Ops"/> and <see cref="Vector128Ops"/>; a struct type argument gets code of its own from the JIT.
/// </summary>
internal readonly unsafe struct NibbleTables<TNibbles, TVector>
    where TNibbles : struct, INibbleVector<TVector>
    where TVector : struct
{
    public readonly TVector L0;
    public readonly TVector L1;
    public readonly TVector L2;
    public readonly TVector L3;
    public readonly TVector H0;
    public readonly TVector H1;
    public readonly TVector H2;
    public readonly TVector H3;

    /// <summary>Inlined, so the tables go straight to registers: a call here cost a spill of all eight per pass.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public NibbleTables(byte* n)
    {
        // n + 16q: T_q of the low product byte; n + 64 + 16q: T_q of the high one.
        L0 = TNibbles.LoadTable(n);
        L1 = TNibbles.LoadTable(n + 16);
        L2 = TNibbles.LoadTable(n + 32);
        L3 = TNibbles.LoadTable(n + 48);
        H0 = TNibbles.LoadTable(n + 64);
        H1 = TNibbles.LoadTable(n + 80);
        H2 = TNibbles.LoadTable(n + 96);
        H3 = TNibbles.LoadTable(n + 112);
    }

    /// <summary>
    /// The product of the words whose low and high bytes are in <paramref name="low"/> and <paramref name="high"/>.
    /// The lookups XOR in a chain: with the tables of three twiddles live, the JIT spilled more for a tree.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public (TVector Low, TVector High) Multiply(TVector low, TVector high)
    {
        var mask = TNibbles.LowMask;
        var n0 = TNibbles.LowNibbles(low, mask);
        var n1 = TNibbles.HighNibbles(low, mask);
        var n2 = TNibbles.LowNibbles(high, mask);
        var n3 = TNibbles.HighNibbles(high, mask);
        var productLow = TNibbles.Xor(TNibbles.Shuffle(L0, n0), TNibbles.Shuffle(L1, n1));
        productLow = TNibbles.Xor(productLow, TNibbles.Shuffle(L2, n2));
        productLow = TNibbles.Xor(productLow, TNibbles.Shuffle(L3, n3));
        var productHigh = TNibbles.Xor(TNibbles.Shuffle(H0, n0), TNibbles.Shuffle(H1, n1));
        productHigh = TNibbles.Xor(productHigh, TNibbles.Shuffle(H2, n2));
        productHigh = TNibbles.Xor(productHigh, TNibbles.Shuffle(H3, n3));
        return (productLow, productHigh);
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sync.Fec.Internal.Gf16Ops;

/// <summary>
/// Split nibble with VPSHUFB: the low plane gives nibbles 0 and 1, the high plane nibbles 2 and 3, and each nibble
/// is looked up in a 16-entry table of the low product bytes and one of the high product bytes: 8 shuffles and 6
/// XORs per 64 bytes.
/// </summary>
internal readonly unsafe struct Avx2Ops : IGf16Ops<Avx2Ops.Unit, Avx2Ops.Tables>
{
    public readonly struct Unit(Vector256<byte> low, Vector256<byte> high)
    {
        public readonly Vector256<byte> Low = low;
        public readonly Vector256<byte> High = high;
    }

    /// <summary>Tables T0..T3 of the low product byte (L*) and of the high one (H*), each in both 128-bit lanes.</summary>
    public readonly struct Tables(byte* nibbles)
    {
        public readonly Vector256<byte> L0 = Avx2.BroadcastVector128ToVector256(nibbles);
        public readonly Vector256<byte> L1 = Avx2.BroadcastVector128ToVector256(nibbles + 16);
        public readonly Vector256<byte> L2 = Avx2.BroadcastVector128ToVector256(nibbles + 32);
        public readonly Vector256<byte> L3 = Avx2.BroadcastVector128ToVector256(nibbles + 48);
        public readonly Vector256<byte> H0 = Avx2.BroadcastVector128ToVector256(nibbles + 64);
        public readonly Vector256<byte> H1 = Avx2.BroadcastVector128ToVector256(nibbles + 80);
        public readonly Vector256<byte> H2 = Avx2.BroadcastVector128ToVector256(nibbles + 96);
        public readonly Vector256<byte> H3 = Avx2.BroadcastVector128ToVector256(nibbles + 112);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tables Prepare(ushort constant) => new(Gf16Tables.Nibbles(constant));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(ushort constant) => Gf16Tables.PrefetchNibbles(constant);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Unit Load(byte* source) => new(Avx.LoadVector256(source), Avx.LoadVector256(source + 32));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* destination, Unit value)
    {
        Avx.Store(destination, value.Low);
        Avx.Store(destination + 32, value.High);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Unit Xor(Unit left, Unit right) => new(Avx2.Xor(left.Low, right.Low), Avx2.Xor(left.High, right.High));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Unit Multiply(Unit value, in Tables t)
    {
        var mask = Vector256.Create((byte)0x0F);
        var n0 = Avx2.And(value.Low, mask);
        var n1 = Avx2.And(Avx2.ShiftRightLogical(value.Low.AsUInt16(), 4).AsByte(), mask);
        var n2 = Avx2.And(value.High, mask);
        var n3 = Avx2.And(Avx2.ShiftRightLogical(value.High.AsUInt16(), 4).AsByte(), mask);
        var low = Avx2.Xor(
            Avx2.Xor(Avx2.Shuffle(t.L0, n0), Avx2.Shuffle(t.L1, n1)),
            Avx2.Xor(Avx2.Shuffle(t.L2, n2), Avx2.Shuffle(t.L3, n3)));
        var high = Avx2.Xor(
            Avx2.Xor(Avx2.Shuffle(t.H0, n0), Avx2.Shuffle(t.H1, n1)),
            Avx2.Xor(Avx2.Shuffle(t.H2, n2), Avx2.Shuffle(t.H3, n3)));
        return new(low, high);
    }
}

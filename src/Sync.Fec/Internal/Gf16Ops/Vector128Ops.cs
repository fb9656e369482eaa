using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sync.Fec.Internal.Gf16Ops;

/// <summary>
/// The AVX2 split nibble on 128-bit vectors through the portable API (PSHUFB on x86, TBL on ARM64; the indices are
/// always below 16, where both agree): a unit is two halves of 16 words, 16 shuffles per 64 bytes.
/// </summary>
internal readonly unsafe struct Vector128Ops : IGf16Ops<Vector128Ops.Unit, Vector128Ops.Tables>
{
    /// <summary>Words 0-15 (low bytes, high bytes) and words 16-31.</summary>
    public readonly struct Unit(Vector128<byte> low0, Vector128<byte> low1, Vector128<byte> high0, Vector128<byte> high1)
    {
        public readonly Vector128<byte> Low0 = low0;
        public readonly Vector128<byte> Low1 = low1;
        public readonly Vector128<byte> High0 = high0;
        public readonly Vector128<byte> High1 = high1;
    }

    public readonly struct Tables(byte* n)
    {
        public readonly Vector128<byte> L0 = Vector128.Load(n);
        public readonly Vector128<byte> L1 = Vector128.Load(n + 16);
        public readonly Vector128<byte> L2 = Vector128.Load(n + 32);
        public readonly Vector128<byte> L3 = Vector128.Load(n + 48);
        public readonly Vector128<byte> H0 = Vector128.Load(n + 64);
        public readonly Vector128<byte> H1 = Vector128.Load(n + 80);
        public readonly Vector128<byte> H2 = Vector128.Load(n + 96);
        public readonly Vector128<byte> H3 = Vector128.Load(n + 112);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tables Prepare(ushort constant) => new(Gf16Tables.Nibbles(constant));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(ushort constant) => Gf16Tables.PrefetchNibbles(constant);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Unit Load(byte* source) =>
        new(Vector128.Load(source), Vector128.Load(source + 16), Vector128.Load(source + 32), Vector128.Load(source + 48));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* destination, Unit value)
    {
        value.Low0.Store(destination);
        value.Low1.Store(destination + 16);
        value.High0.Store(destination + 32);
        value.High1.Store(destination + 48);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Unit Xor(Unit left, Unit right) =>
        new(left.Low0 ^ right.Low0, left.Low1 ^ right.Low1, left.High0 ^ right.High0, left.High1 ^ right.High1);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Unit Multiply(Unit value, in Tables t)
    {
        var (low0, high0) = MultiplyHalf(value.Low0, value.High0, in t);
        var (low1, high1) = MultiplyHalf(value.Low1, value.High1, in t);
        return new(low0, low1, high0, high1);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector128<byte> Low, Vector128<byte> High) MultiplyHalf(Vector128<byte> low, Vector128<byte> high, in Tables t)
    {
        var mask = Vector128.Create((byte)0x0F);
        var n0 = low & mask;
        var n1 = Vector128.ShiftRightLogical(low.AsUInt16(), 4).AsByte() & mask;
        var n2 = high & mask;
        var n3 = Vector128.ShiftRightLogical(high.AsUInt16(), 4).AsByte() & mask;
        return (
            Vector128.ShuffleNative(t.L0, n0) ^ Vector128.ShuffleNative(t.L1, n1) ^ Vector128.ShuffleNative(t.L2, n2) ^ Vector128.ShuffleNative(t.L3, n3),
            Vector128.ShuffleNative(t.H0, n0) ^ Vector128.ShuffleNative(t.H1, n1) ^ Vector128.ShuffleNative(t.H2, n2) ^ Vector128.ShuffleNative(t.H3, n3));
    }
}

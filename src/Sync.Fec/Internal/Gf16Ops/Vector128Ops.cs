using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sync.Fec.Internal.Gf16Ops;

/// <summary>
/// The AVX2 split nibble (<see cref="NibbleTables{TNibbles, TVector}"/>) on 128-bit vectors through the portable API
/// (PSHUFB on x86, TBL on ARM64; the indices are always below 16, where both agree): a unit is two halves of 16 words,
/// 16 shuffles per 64 bytes.
/// </summary>
internal readonly unsafe struct Vector128Ops : IGf16Ops<Vector128Ops.Unit, NibbleTables<Vector128Nibbles, Vector128<byte>>>
{
    /// <summary>Words 0-15 (low bytes, high bytes) and words 16-31.</summary>
    public readonly struct Unit(Vector128<byte> low0, Vector128<byte> low1, Vector128<byte> high0, Vector128<byte> high1)
    {
        public readonly Vector128<byte> Low0 = low0;
        public readonly Vector128<byte> Low1 = low1;
        public readonly Vector128<byte> High0 = high0;
        public readonly Vector128<byte> High1 = high1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static NibbleTables<Vector128Nibbles, Vector128<byte>> Prepare(ushort constant) => new(Gf16Tables.Nibbles(constant));

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
    public static Unit Multiply(Unit value, in NibbleTables<Vector128Nibbles, Vector128<byte>> t)
    {
        var (low0, high0) = t.Multiply(value.Low0, value.High0);
        var (low1, high1) = t.Multiply(value.Low1, value.High1);
        return new(low0, low1, high0, high1);
    }
}

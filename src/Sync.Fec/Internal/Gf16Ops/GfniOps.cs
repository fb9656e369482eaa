using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sync.Fec.Internal.Gf16Ops;

/// <summary>
/// Multiplication by a constant is linear over GF(2), so on the two byte planes it is four 8x8 bit matrices:
/// low = A(low←low)·low + A(low←high)·high, high = A(high←low)·low + A(high←high)·high, one GF2P8AFFINEQB each.
/// </summary>
internal readonly unsafe struct GfniOps : IGf16Ops<Avx2Ops.Unit, GfniOps.Matrices>
{
    public readonly struct Matrices(ulong* matrices)
    {
        public readonly Vector256<byte> LowFromLow = Vector256.Create(matrices[0]).AsByte();
        public readonly Vector256<byte> LowFromHigh = Vector256.Create(matrices[1]).AsByte();
        public readonly Vector256<byte> HighFromLow = Vector256.Create(matrices[2]).AsByte();
        public readonly Vector256<byte> HighFromHigh = Vector256.Create(matrices[3]).AsByte();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Matrices Prepare(ushort constant) => new(Gf16Tables.Matrices(constant));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(ushort constant) => Gf16Tables.PrefetchMatrices(constant);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Avx2Ops.Unit Load(byte* source) => Avx2Ops.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* destination, Avx2Ops.Unit value) => Avx2Ops.Store(destination, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Avx2Ops.Unit Xor(Avx2Ops.Unit left, Avx2Ops.Unit right) => Avx2Ops.Xor(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Avx2Ops.Unit Multiply(Avx2Ops.Unit value, in Matrices m) => new(
        Avx2.Xor(Gfni.V256.GaloisFieldAffineTransform(value.Low, m.LowFromLow, 0), Gfni.V256.GaloisFieldAffineTransform(value.High, m.LowFromHigh, 0)),
        Avx2.Xor(Gfni.V256.GaloisFieldAffineTransform(value.Low, m.HighFromLow, 0), Gfni.V256.GaloisFieldAffineTransform(value.High, m.HighFromHigh, 0)));
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sync.Fec.Internal.Gf16Ops;

/// <summary>
/// GF2P8AFFINEQB on a whole unit [low | high]: one transform of the unit with [A(low←low) | A(high←high)] and one of
/// its swapped halves [high | low] with [A(low←high) | A(high←low)], XORed.
/// </summary>
internal readonly unsafe struct Gfni512Ops : IGf16Ops<Vector512<byte>, Gfni512Ops.Matrices>
{
    public readonly struct Matrices(ulong* m)
    {
        public readonly Vector512<byte> Straight = Vector512.Create(Vector256.Create(m[0]), Vector256.Create(m[3])).AsByte();
        public readonly Vector512<byte> Crossed = Vector512.Create(Vector256.Create(m[1]), Vector256.Create(m[2])).AsByte();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Matrices Prepare(ushort constant) => new(Gf16Tables.Matrices(constant));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(ushort constant) => Gf16Tables.PrefetchMatrices(constant);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Load(byte* source) => Avx512Ops.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* destination, Vector512<byte> value) => Avx512Ops.Store(destination, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Xor(Vector512<byte> left, Vector512<byte> right) => Avx512Ops.Xor(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Multiply(Vector512<byte> value, in Matrices m) => Avx512F.Xor(
        Gfni.V512.GaloisFieldAffineTransform(value, m.Straight, 0),
        Gfni.V512.GaloisFieldAffineTransform(Avx512Ops.SwapHalves(value), m.Crossed, 0));
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sync.Fec.Internal.Gf16Ops;

/// <summary>
/// Split nibble on a whole 64-byte unit in one register, [low plane | high plane]. With the halves swapped,
/// [high | low], four shuffles give both product planes at once: in the lower half the tables map nibbles 0, 1 (of
/// the unit) and 2, 3 (of the swap) to low product bytes, in the upper half nibbles 2, 3 and 0, 1 to high ones.
/// </summary>
internal readonly unsafe struct Avx512Ops : IGf16Ops<Vector512<byte>, Avx512Ops.Tables>
{
    public readonly struct Tables(byte* n)
    {
        // n + 16q: T_q of the low product byte; n + 64 + 16q: T_q of the high one.
        public readonly Vector512<byte> Unit0 = Halves(n, n + 96);
        public readonly Vector512<byte> Unit1 = Halves(n + 16, n + 112);
        public readonly Vector512<byte> Swapped0 = Halves(n + 32, n + 64);
        public readonly Vector512<byte> Swapped1 = Halves(n + 48, n + 80);

        private static Vector512<byte> Halves(byte* lower, byte* upper) =>
            Vector512.Create(Vector256.Create(Vector128.Load(lower)), Vector256.Create(Vector128.Load(upper)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Tables Prepare(ushort constant) => new(Gf16Tables.Nibbles(constant));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(ushort constant) => Gf16Tables.PrefetchNibbles(constant);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Load(byte* source) => Vector512.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* destination, Vector512<byte> value) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Xor(Vector512<byte> left, Vector512<byte> right) => Avx512F.Xor(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> Multiply(Vector512<byte> value, in Tables t)
    {
        var mask = Vector512.Create((byte)0x0F);
        var swapped = SwapHalves(value);
        var product = Avx512F.Xor(
            Avx512BW.Shuffle(t.Unit0, Avx512F.And(value, mask)),
            Avx512BW.Shuffle(t.Unit1, Avx512F.And(Avx512BW.ShiftRightLogical(value.AsUInt16(), 4).AsByte(), mask)));
        return Avx512F.Xor(product, Avx512F.Xor(
            Avx512BW.Shuffle(t.Swapped0, Avx512F.And(swapped, mask)),
            Avx512BW.Shuffle(t.Swapped1, Avx512F.And(Avx512BW.ShiftRightLogical(swapped.AsUInt16(), 4).AsByte(), mask))));
    }

    /// <summary>[a | b] to [b | a] (VSHUFI64X2 with lanes 2, 3, 0, 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<byte> SwapHalves(Vector512<byte> value) =>
        Avx512F.Shuffle4x128(value.AsUInt64(), value.AsUInt64(), 0x4E).AsByte();
}

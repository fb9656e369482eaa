using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sync.Fec.Internal;

/// <summary>VPSHUFB on 256-bit vectors; the 16-entry tables are broadcast to both lanes.</summary>
internal readonly unsafe struct Avx2Nibbles : INibbleVector<Vector256<byte>>
{
    public static int Bytes => 32;

    public static Vector256<byte> LowMask => Vector256.Create((byte)0x0F);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Load(byte* source) => Avx.LoadVector256(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* destination, Vector256<byte> value) => Avx.Store(destination, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Xor(Vector256<byte> left, Vector256<byte> right) => Avx2.Xor(left, right);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> LowNibbles(Vector256<byte> value, Vector256<byte> lowMask) => Avx2.And(value, lowMask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> HighNibbles(Vector256<byte> value, Vector256<byte> lowMask) =>
        Avx2.And(Avx2.ShiftRightLogical(value.AsUInt16(), 4).AsByte(), lowMask);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> LoadTable(byte* table) => Avx2.BroadcastVector128ToVector256(table);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Shuffle(Vector256<byte> table, Vector256<byte> indices) => Avx2.Shuffle(table, indices);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<byte> Product(byte* tables, nint offset, Vector256<byte> low, Vector256<byte> high) => Avx2.Xor(
        Avx2.Shuffle(Avx2.BroadcastVector128ToVector256(tables + offset), low),
        Avx2.Shuffle(Avx2.BroadcastVector128ToVector256(tables + offset + 16), high));
}

using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Sync.Fec.Internal;

/// <summary>The portable 128-bit API: PSHUFB on x86, TBL on ARM64 (the indices are below 16, where both agree).</summary>
internal readonly unsafe struct Vector128Nibbles : INibbleVector<Vector128<byte>>
{
    public static int Bytes => 16;

    public static Vector128<byte> LowMask => Vector128.Create((byte)0x0F);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Load(byte* source) => Vector128.Load(source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(byte* destination, Vector128<byte> value) => value.Store(destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Xor(Vector128<byte> left, Vector128<byte> right) => left ^ right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> LowNibbles(Vector128<byte> value, Vector128<byte> lowMask) => value & lowMask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> HighNibbles(Vector128<byte> value, Vector128<byte> lowMask) =>
        Vector128.ShiftRightLogical(value.AsUInt16(), 4).AsByte() & lowMask;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> LoadTable(byte* table) => Vector128.Load(table);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Shuffle(Vector128<byte> table, Vector128<byte> indices) => Vector128.ShuffleNative(table, indices);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<byte> Product(byte* tables, nint offset, Vector128<byte> low, Vector128<byte> high) =>
        Vector128.ShuffleNative(Vector128.Load(tables + offset), low) ^ Vector128.ShuffleNative(Vector128.Load(tables + offset + 16), high);
}

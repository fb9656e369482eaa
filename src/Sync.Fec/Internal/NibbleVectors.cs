using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Sync.Fec.Internal;

/// <summary>
/// The vector steps of the split-nibble kernels at one width, so <see cref="StripKernel"/> writes a kernel once for
/// AVX2 and for 128-bit vectors: a struct type argument gets code of its own from the JIT, with every step inlined.
/// A byte's low and high nibbles index a constant's two 16-entry tables (at <c>tables + offset</c> and 16 bytes on),
/// and the two lookups XOR to the product; the offset stays a separate operand so the loads keep their
/// [base + index + disp] addressing.
/// </summary>
internal unsafe interface INibbleVector<TVector>
    where TVector : struct
{
    static abstract int Bytes { get; }

    static abstract TVector LowMask { get; }

    static abstract TVector Load(byte* source);

    static abstract void Store(byte* destination, TVector value);

    static abstract TVector Xor(TVector left, TVector right);

    static abstract TVector LowNibbles(TVector value, TVector lowMask);

    static abstract TVector HighNibbles(TVector value, TVector lowMask);

    static abstract TVector Product(byte* tables, nint offset, TVector low, TVector high);
}

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
    public static Vector256<byte> Product(byte* tables, nint offset, Vector256<byte> low, Vector256<byte> high) => Avx2.Xor(
        Avx2.Shuffle(Avx2.BroadcastVector128ToVector256(tables + offset), low),
        Avx2.Shuffle(Avx2.BroadcastVector128ToVector256(tables + offset + 16), high));
}

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
    public static Vector128<byte> Product(byte* tables, nint offset, Vector128<byte> low, Vector128<byte> high) =>
        Vector128.ShuffleNative(Vector128.Load(tables + offset), low) ^ Vector128.ShuffleNative(Vector128.Load(tables + offset + 16), high);
}

using System.Runtime.CompilerServices;

namespace Sync.Fec.Internal.Gf16Ops;

/// <summary>
/// The additive FFT's butterflies over whole regions (a multiple of 64 bytes), one or two layers per pass. A forward
/// butterfly with twiddle t is <c>x ^= t·y; y ^= x</c>, its inverse <c>y ^= x; x ^= t·y</c>. Two layers at once (four
/// regions, three twiddles) load and store each region once instead of twice, which is what bounds these loops.
/// Stateless; the regions may be anywhere, in place.
/// </summary>
internal static unsafe class Butterflies<TOps, TUnit, TConstant>
    where TOps : struct, IGf16Ops<TUnit, TConstant>
    where TUnit : struct
    where TConstant : struct
{
    public const int UnitBytes = 64;

    /// <summary>
    /// Layer l+1 on (x0, x2) and (x1, x3) with <paramref name="t02"/>, then layer l on (x0, x1) with
    /// <paramref name="t01"/> and on (x2, x3) with <paramref name="t23"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Forward2(byte* x0, byte* x1, byte* x2, byte* x3, int bytes, ushort t01, ushort t23, ushort t02)
    {
        var c02 = TOps.Prepare(t02);
        var c01 = TOps.Prepare(t01);
        var c23 = TOps.Prepare(t23);
        for (nint i = 0; i < bytes; i += UnitBytes)
        {
            var a = TOps.Load(x0 + i);
            var b = TOps.Load(x1 + i);
            var c = TOps.Load(x2 + i);
            var d = TOps.Load(x3 + i);
            a = TOps.Xor(a, TOps.Multiply(c, c02));
            c = TOps.Xor(c, a);
            b = TOps.Xor(b, TOps.Multiply(d, c02));
            d = TOps.Xor(d, b);
            a = TOps.Xor(a, TOps.Multiply(b, c01));
            b = TOps.Xor(b, a);
            c = TOps.Xor(c, TOps.Multiply(d, c23));
            d = TOps.Xor(d, c);
            TOps.Store(x0 + i, a);
            TOps.Store(x1 + i, b);
            TOps.Store(x2 + i, c);
            TOps.Store(x3 + i, d);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Forward1(byte* x0, byte* x1, int bytes, ushort t)
    {
        var c = TOps.Prepare(t);
        for (nint i = 0; i < bytes; i += UnitBytes)
        {
            var a = TOps.Load(x0 + i);
            var b = TOps.Load(x1 + i);
            a = TOps.Xor(a, TOps.Multiply(b, c));
            TOps.Store(x0 + i, a);
            TOps.Store(x1 + i, TOps.Xor(b, a));
        }
    }

    /// <summary>The inverse of <see cref="Forward2"/>: layer l on (x0, x1), (x2, x3), then layer l+1 on (x0, x2), (x1, x3).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Inverse2(byte* x0, byte* x1, byte* x2, byte* x3, int bytes, ushort t01, ushort t23, ushort t02)
    {
        var c01 = TOps.Prepare(t01);
        var c23 = TOps.Prepare(t23);
        var c02 = TOps.Prepare(t02);
        for (nint i = 0; i < bytes; i += UnitBytes)
        {
            var a = TOps.Load(x0 + i);
            var b = TOps.Load(x1 + i);
            var c = TOps.Load(x2 + i);
            var d = TOps.Load(x3 + i);
            b = TOps.Xor(b, a);
            a = TOps.Xor(a, TOps.Multiply(b, c01));
            d = TOps.Xor(d, c);
            c = TOps.Xor(c, TOps.Multiply(d, c23));
            c = TOps.Xor(c, a);
            a = TOps.Xor(a, TOps.Multiply(c, c02));
            d = TOps.Xor(d, b);
            b = TOps.Xor(b, TOps.Multiply(d, c02));
            TOps.Store(x0 + i, a);
            TOps.Store(x1 + i, b);
            TOps.Store(x2 + i, c);
            TOps.Store(x3 + i, d);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Inverse1(byte* x0, byte* x1, int bytes, ushort t)
    {
        var c = TOps.Prepare(t);
        for (nint i = 0; i < bytes; i += UnitBytes)
        {
            var a = TOps.Load(x0 + i);
            var b = TOps.Xor(TOps.Load(x1 + i), a);
            TOps.Store(x0 + i, TOps.Xor(a, TOps.Multiply(b, c)));
            TOps.Store(x1 + i, b);
        }
    }

    /// <summary><c>destination = constant · source</c>; the two may be the same region.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(byte* destination, byte* source, int bytes, ushort constant)
    {
        var c = TOps.Prepare(constant);
        for (nint i = 0; i < bytes; i += UnitBytes)
        {
            TOps.Store(destination + i, TOps.Multiply(TOps.Load(source + i), c));
        }
    }
}

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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward2(byte* x0, byte* x1, byte* x2, byte* x3, int bytes, ushort t01, ushort t23, ushort t02) =>
        TwoLayers<Forward>(x0, x1, x2, x3, bytes, t01, t23, t02);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward1(byte* x0, byte* x1, int bytes, ushort t) => OneLayer<Forward>(x0, x1, bytes, t);

    /// <summary>The inverse of <see cref="Forward2"/>: layer l on (x0, x1), (x2, x3), then layer l+1 on (x0, x2), (x1, x3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Inverse2(byte* x0, byte* x1, byte* x2, byte* x3, int bytes, ushort t01, ushort t23, ushort t02) =>
        TwoLayers<Inverse>(x0, x1, x2, x3, bytes, t01, t23, t02);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Inverse1(byte* x0, byte* x1, int bytes, ushort t) => OneLayer<Inverse>(x0, x1, bytes, t);

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

    /// <summary>
    /// Both directions' two-layer pass: the inverse undoes the forward's butterflies in reverse order, so only the
    /// layer that goes first differs. <typeparamref name="TDirection"/> is a struct, so each direction gets its own
    /// code with the branches folded away.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void TwoLayers<TDirection>(byte* x0, byte* x1, byte* x2, byte* x3, int bytes, ushort t01, ushort t23, ushort t02)
        where TDirection : struct, IDirection
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
            if (TDirection.IsForward)
            {
                TDirection.Butterfly(ref a, ref c, c02);
                TDirection.Butterfly(ref b, ref d, c02);
            }

            TDirection.Butterfly(ref a, ref b, c01);
            TDirection.Butterfly(ref c, ref d, c23);
            if (!TDirection.IsForward)
            {
                TDirection.Butterfly(ref a, ref c, c02);
                TDirection.Butterfly(ref b, ref d, c02);
            }

            TOps.Store(x0 + i, a);
            TOps.Store(x1 + i, b);
            TOps.Store(x2 + i, c);
            TOps.Store(x3 + i, d);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void OneLayer<TDirection>(byte* x0, byte* x1, int bytes, ushort t)
        where TDirection : struct, IDirection
    {
        var c = TOps.Prepare(t);
        for (nint i = 0; i < bytes; i += UnitBytes)
        {
            var a = TOps.Load(x0 + i);
            var b = TOps.Load(x1 + i);
            TDirection.Butterfly(ref a, ref b, c);
            TOps.Store(x0 + i, a);
            TOps.Store(x1 + i, b);
        }
    }

    private interface IDirection
    {
        static abstract bool IsForward { get; }

        static abstract void Butterfly(ref TUnit x, ref TUnit y, in TConstant t);
    }

    private readonly struct Forward : IDirection
    {
        public static bool IsForward => true;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Butterfly(ref TUnit x, ref TUnit y, in TConstant t)
        {
            x = TOps.Xor(x, TOps.Multiply(y, t));
            y = TOps.Xor(y, x);
        }
    }

    private readonly struct Inverse : IDirection
    {
        public static bool IsForward => false;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static void Butterfly(ref TUnit x, ref TUnit y, in TConstant t)
        {
            y = TOps.Xor(y, x);
            x = TOps.Xor(x, TOps.Multiply(y, t));
        }
    }
}

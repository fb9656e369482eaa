using System.Runtime.Intrinsics;
using Sync.Fec.Internal.Gf16Ops;

namespace Sync.Fec.Internal;

/// <summary>
/// The region operations of one kernel path behind a virtual call per transform (not per butterfly), so the codec
/// can pick its path at construction while the loops underneath stay specialised by the JIT.
/// </summary>
internal abstract unsafe class Gf16Engine
{
    public static Gf16Engine For(Gf16Path path) => path switch
    {
        Gf16Path.Scalar => new Gf16Engine<ScalarOps, ScalarOps.Unit, ScalarOps.Constant>(),
        Gf16Path.Vector128 => new Gf16Engine<Vector128Ops, Vector128Ops.Unit, NibbleTables<Vector128Nibbles, Vector128<byte>>>(),
        Gf16Path.Avx2 => new Gf16Engine<Avx2Ops, Avx2Ops.Unit, NibbleTables<Avx2Nibbles, Vector256<byte>>>(),
        Gf16Path.Avx512 => new Gf16Engine<Avx512Ops, Vector512<byte>, Avx512Ops.Tables>(),
        Gf16Path.Gfni => new Gf16Engine<GfniOps, Avx2Ops.Unit, GfniOps.Matrices>(),
        Gf16Path.Gfni512 => new Gf16Engine<Gfni512Ops, Vector512<byte>, Gfni512Ops.Matrices>(),
        _ => throw new ArgumentOutOfRangeException(nameof(path), path, "unknown kernel path"),
    };

    /// <inheritdoc cref="AdditiveFft{TOps,TUnit,TConstant}.Inverse"/>
    public abstract void Inverse(byte* work, nint stride, int bytes, int n, int basePosition, int fromLayer, int toLayer, int phaseLayers, PositionSet nonzero);

    /// <inheritdoc cref="AdditiveFft{TOps,TUnit,TConstant}.Forward"/>
    public abstract void Forward(byte* work, nint stride, int bytes, int n, int basePosition, int fromLayer, int toLayer, int phaseLayers, PositionSet needed);

    /// <summary><c>destination = constant · source</c> over <paramref name="bytes"/> (a multiple of 64).</summary>
    public abstract void Multiply(byte* destination, byte* source, int bytes, ushort constant);

    /// <summary>Starts loading a constant's tables that a later <see cref="Multiply"/> will need.</summary>
    public abstract void Prefetch(ushort constant);
}

internal sealed unsafe class Gf16Engine<TOps, TUnit, TConstant> : Gf16Engine
    where TOps : struct, IGf16Ops<TUnit, TConstant>
    where TUnit : struct
    where TConstant : struct
{
    public override void Inverse(byte* work, nint stride, int bytes, int n, int basePosition, int fromLayer, int toLayer, int phaseLayers, PositionSet nonzero) =>
        AdditiveFft<TOps, TUnit, TConstant>.Inverse(work, stride, bytes, n, basePosition, fromLayer, toLayer, phaseLayers, nonzero);

    public override void Forward(byte* work, nint stride, int bytes, int n, int basePosition, int fromLayer, int toLayer, int phaseLayers, PositionSet needed) =>
        AdditiveFft<TOps, TUnit, TConstant>.Forward(work, stride, bytes, n, basePosition, fromLayer, toLayer, phaseLayers, needed);

    public override void Multiply(byte* destination, byte* source, int bytes, ushort constant) =>
        Butterflies<TOps, TUnit, TConstant>.Multiply(destination, source, bytes, constant);

    public override void Prefetch(ushort constant) => TOps.Prefetch(constant);
}

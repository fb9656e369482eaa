namespace Sync.Fec.Internal.Gf16Ops;

/// <summary>
/// One kernel path's view of a 64-byte unit (32 low bytes, then the 32 high bytes of the same 16-bit words) and of
/// multiplication by a constant. The butterflies and transforms are written once against this interface; the JIT
/// compiles them per struct implementation, inlining these members, so the generic code costs nothing at run time.
/// </summary>
/// <typeparam name="TUnit">The registers holding one unit.</typeparam>
/// <typeparam name="TConstant">A constant made ready to multiply by (its tables or matrices in registers).</typeparam>
internal unsafe interface IGf16Ops<TUnit, TConstant>
    where TUnit : struct
    where TConstant : struct
{
    static abstract TConstant Prepare(ushort constant);

    /// <summary>Starts loading what <see cref="Prepare"/> will read, for constants known ahead that no pattern predicts.</summary>
    static abstract void Prefetch(ushort constant);

    static abstract TUnit Load(byte* source);

    static abstract void Store(byte* destination, TUnit value);

    static abstract TUnit Xor(TUnit left, TUnit right);

    static abstract TUnit Multiply(TUnit value, in TConstant constant);
}

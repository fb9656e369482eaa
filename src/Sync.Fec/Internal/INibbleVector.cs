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

    /// <summary>A 16-entry table in every 128-bit lane.</summary>
    static abstract TVector LoadTable(byte* table);

    static abstract TVector Shuffle(TVector table, TVector indices);

    static abstract TVector Product(byte* tables, nint offset, TVector low, TVector high);
}

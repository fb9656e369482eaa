namespace Sync.Fec.Internal;

/// <summary>
/// A rows x columns matrix of field constants stored in the three forms the kernel paths read: the byte itself
/// (scalar), its two 16-entry nibble product tables (AVX2, Vector128) and its GFNI bit matrix. A row is one input symbol,
/// a column one output symbol, so one input's constants for all outputs sit side by side.
/// The storage belongs to the caller (codec arrays, or pooled buffers during a decode).
/// </summary>
internal readonly ref struct CoefficientRows
{
    public const int NibbleTableBytes = 32;

    /// <summary>
    /// Only the form <paramref name="path"/> reads is filled in (plus the bytes, which tails and tests use), so
    /// the other two spans may be empty.
    /// </summary>
    public CoefficientRows(KernelPath path, Span<byte> coefficients, Span<byte> nibbleTables, Span<ulong> matrices, int rows, int columns)
    {
        var count = rows * columns;
        Path = path;
        Coefficients = coefficients[..count];
        NibbleTables = UsesNibbleTables(path) ? nibbleTables[..(count * NibbleTableBytes)] : default;
        Matrices = path == KernelPath.Gfni ? matrices[..count] : default;
        Rows = rows;
        Columns = columns;
    }

    public KernelPath Path { get; }

    public Span<byte> Coefficients { get; }

    public Span<byte> NibbleTables { get; }

    public Span<ulong> Matrices { get; }

    public int Rows { get; }

    public int Columns { get; }

    public byte this[int row, int column] => Coefficients[row * Columns + column];

    public void Set(int row, int column, byte constant)
    {
        var index = row * Columns + column;
        Coefficients[index] = constant;
        if (UsesNibbleTables(Path))
        {
            FillNibbleTables(constant, NibbleTables.Slice(index * NibbleTableBytes, NibbleTableBytes));
        }
        else if (Path == KernelPath.Gfni)
        {
            Matrices[index] = GfniMatrix.ForConstant(constant);
        }
    }

    /// <summary>
    /// Bytes 0..15 hold c * n, bytes 16..31 hold c * (n &lt;&lt; 4), for n in 0..15. Since c * (n &lt;&lt; 4) =
    /// (c * 16) * n, both halves are the first 16 entries of a product row.
    /// </summary>
    public static void FillNibbleTables(byte constant, Span<byte> destination)
    {
        GaloisField.ProductRow(constant)[..16].CopyTo(destination);
        GaloisField.ProductRow(GaloisField.Multiply(constant, 16))[..16].CopyTo(destination[16..]);
    }

    /// <summary>Pointers to one row's constants, given the pinned start of each form.</summary>
    public unsafe RowPointers RowAt(int row, byte* coefficients, byte* nibbleTables, ulong* matrices) =>
        new(coefficients + row * Columns, nibbleTables + row * Columns * NibbleTableBytes, matrices + row * Columns);

    public static bool UsesNibbleTables(KernelPath path) => path is KernelPath.Avx2 or KernelPath.Vector128;

    /// <summary>Storage the three forms need for <paramref name="path"/>: bytes, nibble-table bytes, matrices.</summary>
    public static (int Coefficients, int NibbleTables, int Matrices) StorageFor(KernelPath path, int rows, int columns)
    {
        var count = rows * columns;
        return (count, UsesNibbleTables(path) ? count * NibbleTableBytes : 0, path == KernelPath.Gfni ? count : 0);
    }
}

/// <summary>One row of <see cref="CoefficientRows"/> in pinned memory, as the kernels read it.</summary>
internal readonly unsafe struct RowPointers(byte* coefficients, byte* nibbleTables, ulong* matrices)
{
    public readonly byte* Coefficients = coefficients;
    public readonly byte* NibbleTables = nibbleTables;
    public readonly ulong* Matrices = matrices;
}

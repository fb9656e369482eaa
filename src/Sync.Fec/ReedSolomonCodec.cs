using System.Buffers;
using Sync.Fec.Internal;

namespace Sync.Fec;

/// <summary>
/// Systematic Reed-Solomon erasure code over GF(2^8) with a Cauchy generator: a block of
/// <see cref="DataSymbols"/> equal-length data symbols gets up to <see cref="MaxRepairSymbols"/> repair symbols
/// (data + repair at most 256); any <see cref="DataSymbols"/> of them rebuild the block.
/// Thread-safe after construction.
/// </summary>
/// <remarks>
/// Repair j over data i has the constant 1 / (x_j + y_i) with y_i = i and x_j = k + j, all distinct, so every
/// square submatrix of the generator is a Cauchy matrix and invertible. Encode and decode walk the symbols in
/// column strips (<see cref="StripPlan"/>) and, per strip, stream each input once into all outputs
/// (<see cref="StripKernel"/>). Decode solves only for the lost data symbols: syndromes of e repairs, then the
/// closed-form inverse of the e x e Cauchy submatrix (<see cref="CauchyInverse"/>). Scratch comes from
/// <see cref="ArrayPool{T}.Shared"/>, so a call allocates nothing once the pool is warm.
/// </remarks>
public sealed unsafe class ReedSolomonCodec
{
    public const int MaxTotalSymbols = 256;

    private static readonly int[] s_identityColumns = Enumerable.Range(0, MaxTotalSymbols).ToArray();

    private readonly KernelPath _path;

    // Generator constants, one row per data symbol and one column per repair symbol, in the forms _path reads.
    private readonly byte[] _coefficients;
    private readonly byte[] _nibbleTables;
    private readonly ulong[] _matrices;

    public ReedSolomonCodec(int dataSymbols, int maxRepairSymbols)
        : this(dataSymbols, maxRepairSymbols, KernelPaths.Best)
    {
    }

    /// <summary>Forces a kernel path, so tests and benchmarks can exercise every path the CPU has, not only the best.</summary>
    internal ReedSolomonCodec(int dataSymbols, int maxRepairSymbols, KernelPath path)
    {
        if (dataSymbols < 1 || maxRepairSymbols < 0 || dataSymbols + maxRepairSymbols > MaxTotalSymbols)
        {
            throw new ArgumentOutOfRangeException(nameof(dataSymbols), $"need 1 <= k and k + r <= {MaxTotalSymbols} (k={dataSymbols}, r={maxRepairSymbols})");
        }

        if (!KernelPaths.IsSupported(path))
        {
            throw new PlatformNotSupportedException($"this CPU cannot run the {path} kernels");
        }

        DataSymbols = dataSymbols;
        MaxRepairSymbols = maxRepairSymbols;
        _path = path;

        var (coefficients, nibbleTables, matrices) = CoefficientRows.StorageFor(path, dataSymbols, maxRepairSymbols);
        _coefficients = new byte[coefficients];
        _nibbleTables = new byte[nibbleTables];
        _matrices = new ulong[matrices];
        var generator = Generator;
        for (var i = 0; i < dataSymbols; i++)
        {
            for (var j = 0; j < maxRepairSymbols; j++)
            {
                generator.Set(i, j, GaloisField.Inverse((byte)(RepairPoint(j) ^ DataPoint(i))));
            }
        }
    }

    public int DataSymbols { get; }

    public int MaxRepairSymbols { get; }

    internal KernelPath Path => _path;

    private CoefficientRows Generator => new(_path, _coefficients, _nibbleTables, _matrices, DataSymbols, MaxRepairSymbols);

    /// <summary>The generator constant that multiplies data symbol <paramref name="dataIndex"/> into repair <paramref name="repairIndex"/>.</summary>
    internal byte Coefficient(int repairIndex, int dataIndex) => _coefficients[dataIndex * MaxRepairSymbols + repairIndex];

    /// <summary>
    /// Computes the repair symbols numbered <paramref name="repairIndices"/> (each in [0, MaxRepairSymbols)) in one
    /// pass over the data. Every data symbol and every output has the same length.
    /// </summary>
    public void Encode(ReadOnlySpan<ReadOnlyMemory<byte>> data, ReadOnlySpan<int> repairIndices, ReadOnlySpan<Memory<byte>> repairs)
    {
        var symbolLength = CodecArguments.CheckEncode(data, DataSymbols, repairIndices, SymbolSpans.AsReadOnly(repairs), MaxRepairSymbols);
        var outputs = repairs.Length;
        if (outputs == 0 || symbolLength == 0)
        {
            return;
        }

        var stride = StripPlan.Width(symbolLength, outputs);
        var scratchArray = ArrayPool<byte>.Shared.Rent(outputs * stride);
        var tails = stackalloc byte[StripAccumulator.TailBytes];
        try
        {
            fixed (byte* scratch = scratchArray)
            fixed (int* columns = repairIndices)
            {
                var accumulator = new StripAccumulator(_path, scratch, stride, columns, outputs, tails);
                var allData = s_identityColumns.AsSpan(0, DataSymbols);
                for (var start = 0; start < symbolLength; start += stride)
                {
                    var width = Math.Min(stride, symbolLength - start);
                    MultiplyData(accumulator, data, allData, start, width, accumulate: false);
                    for (var n = 0; n < outputs; n++)
                    {
                        new ReadOnlySpan<byte>(scratch + n * stride, width).CopyTo(repairs[n].Span.Slice(start, width));
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratchArray);
        }
    }

    /// <summary>
    /// Rebuilds the lost data symbols in place: <paramref name="present"/>[i] says whether <paramref name="data"/>[i]
    /// holds a received symbol; the others are overwritten. Needs at least as many received repair symbols (with
    /// their indices) as there are lost data symbols; extra ones are ignored. Throws <see cref="ArgumentException"/>
    /// when too few are given.
    /// </summary>
    public void Decode(ReadOnlySpan<Memory<byte>> data, ReadOnlySpan<bool> present, ReadOnlySpan<int> repairIndices, ReadOnlySpan<ReadOnlyMemory<byte>> repairs)
    {
        var (symbolLength, _) = CodecArguments.CheckDecode(SymbolSpans.AsReadOnly(data), present, DataSymbols, repairIndices, repairs, MaxRepairSymbols);

        // Lost indices fill the buffer from the front, present ones (in any order) from the back.
        Span<int> partition = stackalloc int[DataSymbols];
        var lostCount = 0;
        var presentStart = DataSymbols;
        for (var i = 0; i < DataSymbols; i++)
        {
            partition[present[i] ? --presentStart : lostCount++] = i;
        }

        if (lostCount == 0 || symbolLength == 0)
        {
            return;
        }

        Recover(data, partition[lostCount..], partition[..lostCount], repairIndices[..lostCount], repairs[..lostCount], symbolLength);
    }

    /// <summary>
    /// Fills <paramref name="recovery"/> (rows: the chosen repairs, columns: the lost data symbols) with the weights
    /// that turn syndromes into lost data: the transposed inverse of the Cauchy submatrix. This is decode's setup.
    /// </summary>
    internal void PrepareRecovery(ReadOnlySpan<int> lost, ReadOnlySpan<int> repairIndices, CoefficientRows recovery)
    {
        var size = lost.Length;
        Span<byte> xs = stackalloc byte[size];
        Span<byte> ys = stackalloc byte[size];
        for (var n = 0; n < size; n++)
        {
            xs[n] = RepairPoint(repairIndices[n]);
            ys[n] = DataPoint(lost[n]);
        }

        CauchyInverse.Compute(xs, ys, recovery.Coefficients);
        for (var n = 0; n < size; n++)
        {
            for (var j = 0; j < size; j++)
            {
                recovery.Set(n, j, recovery[n, j]);
            }
        }
    }

    private void Recover(
        ReadOnlySpan<Memory<byte>> data, ReadOnlySpan<int> presentIndices, ReadOnlySpan<int> lost, ReadOnlySpan<int> repairIndices,
        ReadOnlySpan<ReadOnlyMemory<byte>> repairs, int symbolLength)
    {
        var size = lost.Length;
        var (coefficientCount, nibbleCount, matrixCount) = CoefficientRows.StorageFor(_path, size, size);
        var recoveryCoefficients = ArrayPool<byte>.Shared.Rent(coefficientCount);
        var recoveryNibbles = ArrayPool<byte>.Shared.Rent(nibbleCount);
        var recoveryMatrices = ArrayPool<ulong>.Shared.Rent(matrixCount);

        // Two scratch strips: syndromes (one row per chosen repair) and the rebuilt data (one row per lost symbol).
        var stride = StripPlan.Width(symbolLength, size);
        var scratchArray = ArrayPool<byte>.Shared.Rent(2 * size * stride);
        var tails = stackalloc byte[StripAccumulator.TailBytes];
        var group = stackalloc RowPointers[StripKernel.GroupSize];
        var groupInputs = stackalloc byte*[StripKernel.GroupSize];
        try
        {
            var recovery = new CoefficientRows(_path, recoveryCoefficients, recoveryNibbles, recoveryMatrices, size, size);
            PrepareRecovery(lost, repairIndices, recovery);
            fixed (byte* scratch = scratchArray)
            fixed (byte* recoveryNibbleTables = recoveryNibbles)
            fixed (ulong* recoveryMatrixTable = recoveryMatrices)
            fixed (byte* recoveryCoefficientTable = recoveryCoefficients)
            fixed (int* repairColumns = repairIndices)
            fixed (int* lostColumns = s_identityColumns)
            {
                var syndromes = scratch;
                var rebuilt = scratch + size * stride;
                var accumulator = new StripAccumulator(_path, syndromes, stride, repairColumns, size, tails);
                var received = SymbolSpans.AsReadOnly(data);
                for (var start = 0; start < symbolLength; start += stride)
                {
                    var width = Math.Min(stride, symbolLength - start);
                    var paddedWidth = StripPlan.RoundUpToVector(width);

                    // Syndrome e: repair e minus what the present data contributed to it, leaving only the lost terms.
                    for (var e = 0; e < size; e++)
                    {
                        var row = new Span<byte>(syndromes + e * stride, paddedWidth);
                        repairs[e].Span.Slice(start, width).CopyTo(row);
                        row[width..].Clear();
                    }

                    MultiplyData(accumulator, received, presentIndices, start, width, accumulate: true);

                    // Padding is zero in every syndrome row, so the vector paths may run over it.
                    var solveWidth = _path == KernelPath.Scalar ? width : paddedWidth;
                    var n = 0;
                    if (_path != KernelPath.Scalar)
                    {
                        for (; n + StripKernel.GroupSize <= size; n += StripKernel.GroupSize)
                        {
                            for (var q = 0; q < StripKernel.GroupSize; q++)
                            {
                                group[q] = recovery.RowAt(n + q, recoveryCoefficientTable, recoveryNibbleTables, recoveryMatrixTable);
                                groupInputs[q] = syndromes + (n + q) * stride;
                            }

                            StripKernel.MultiplyGroupIntoRows(_path, groupInputs, solveWidth, rebuilt, stride, group, lostColumns, size, accumulate: n > 0);
                        }
                    }

                    for (; n < size; n++)
                    {
                        var row = recovery.RowAt(n, recoveryCoefficientTable, recoveryNibbleTables, recoveryMatrixTable);
                        StripKernel.MultiplyIntoRows(_path, syndromes + n * stride, solveWidth, rebuilt, stride, row, lostColumns, size, accumulate: n > 0);
                    }

                    for (var j = 0; j < size; j++)
                    {
                        new ReadOnlySpan<byte>(rebuilt + j * stride, width).CopyTo(data[lost[j]].Span.Slice(start, width));
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratchArray);
            ArrayPool<byte>.Shared.Return(recoveryCoefficients);
            ArrayPool<byte>.Shared.Return(recoveryNibbles);
            ArrayPool<ulong>.Shared.Return(recoveryMatrices);
        }
    }

    /// <summary>
    /// Adds the strip [start, start + width) of the data symbols <paramref name="indices"/>, times their generator
    /// constants, into the accumulator's rows; <paramref name="accumulate"/> false makes the first input overwrite.
    /// </summary>
    private void MultiplyData(StripAccumulator accumulator, ReadOnlySpan<ReadOnlyMemory<byte>> data, ReadOnlySpan<int> indices, int start, int width, bool accumulate)
    {
        var group = stackalloc RowPointers[StripKernel.GroupSize];
        fixed (byte* nibbleTables = _nibbleTables)
        fixed (ulong* matrices = _matrices)
        fixed (byte* coefficients = _coefficients)
        {
            var generator = Generator;
            var n = 0;
            if (accumulator.TakesGroups)
            {
                for (; n + StripKernel.GroupSize <= indices.Length; n += StripKernel.GroupSize)
                {
                    for (var q = 0; q < StripKernel.GroupSize; q++)
                    {
                        group[q] = generator.RowAt(indices[n + q], coefficients, nibbleTables, matrices);
                    }

                    accumulator.AddGroup(
                        data[indices[n]].Span.Slice(start, width),
                        data[indices[n + 1]].Span.Slice(start, width),
                        data[indices[n + 2]].Span.Slice(start, width),
                        data[indices[n + 3]].Span.Slice(start, width),
                        group,
                        accumulate || n > 0);
                }
            }

            for (; n < indices.Length; n++)
            {
                var row = generator.RowAt(indices[n], coefficients, nibbleTables, matrices);
                accumulator.Add(data[indices[n]].Span.Slice(start, width), row, accumulate || n > 0);
            }
        }
    }

    private static byte DataPoint(int dataIndex) => (byte)dataIndex;

    private byte RepairPoint(int repairIndex) => (byte)(DataSymbols + repairIndex);
}

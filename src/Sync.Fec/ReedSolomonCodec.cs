namespace Sync.Fec;

/// <summary>
/// Systematic Reed-Solomon erasure code over GF(2^8) with a Cauchy generator: a block of
/// <see cref="DataSymbols"/> equal-length data symbols gets up to <see cref="MaxRepairSymbols"/> repair symbols
/// (data + repair at most 256); any <see cref="DataSymbols"/> of them rebuild the block.
/// Thread-safe after construction.
/// </summary>
public sealed class ReedSolomonCodec
{
    public const int MaxTotalSymbols = 256;

    public ReedSolomonCodec(int dataSymbols, int maxRepairSymbols)
    {
        if (dataSymbols < 1 || maxRepairSymbols < 0 || dataSymbols + maxRepairSymbols > MaxTotalSymbols)
        {
            throw new ArgumentOutOfRangeException(nameof(dataSymbols), $"need 1 <= k and k + r <= {MaxTotalSymbols} (k={dataSymbols}, r={maxRepairSymbols})");
        }

        DataSymbols = dataSymbols;
        MaxRepairSymbols = maxRepairSymbols;
    }

    public int DataSymbols { get; }

    public int MaxRepairSymbols { get; }

    /// <summary>
    /// Computes the repair symbols numbered <paramref name="repairIndices"/> (each in [0, MaxRepairSymbols)) in one
    /// pass over the data. Every data symbol and every output has the same length.
    /// </summary>
    public void Encode(ReadOnlySpan<ReadOnlyMemory<byte>> data, ReadOnlySpan<int> repairIndices, ReadOnlySpan<Memory<byte>> repairs) =>
        throw new NotImplementedException("being written in the fec work");

    /// <summary>
    /// Rebuilds the lost data symbols in place: <paramref name="present"/>[i] says whether <paramref name="data"/>[i]
    /// holds a received symbol; the others are overwritten. Needs at least as many received repair symbols (with
    /// their indices) as there are lost data symbols; extra ones are ignored. Throws <see cref="ArgumentException"/>
    /// when too few are given.
    /// </summary>
    public void Decode(ReadOnlySpan<Memory<byte>> data, ReadOnlySpan<bool> present, ReadOnlySpan<int> repairIndices, ReadOnlySpan<ReadOnlyMemory<byte>> repairs) =>
        throw new NotImplementedException("being written in the fec work");
}

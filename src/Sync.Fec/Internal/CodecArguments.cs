namespace Sync.Fec.Internal;

/// <summary>
/// The argument checks both codecs share: counts, one symbol length for all, repair indices in range and not
/// repeated, and enough repairs for the lost symbols. Each failure says what was expected and what came.
/// </summary>
internal static class CodecArguments
{
    /// <summary>Checks an encode call and returns the common symbol length.</summary>
    public static int CheckEncode(
        ReadOnlySpan<ReadOnlyMemory<byte>> data, int dataSymbols, ReadOnlySpan<int> repairIndices, ReadOnlySpan<ReadOnlyMemory<byte>> repairs, int maxRepairSymbols)
    {
        RequireDataCount(data.Length, dataSymbols);
        CheckRepairIndices(repairIndices, repairs.Length, maxRepairSymbols);
        return CommonLength(data, repairs, "repair output");
    }

    /// <summary>
    /// Checks a decode call; returns the common symbol length and how many data symbols are lost, and throws
    /// when fewer repairs than lost symbols were given.
    /// </summary>
    public static (int SymbolLength, int LostCount) CheckDecode(
        ReadOnlySpan<ReadOnlyMemory<byte>> data, ReadOnlySpan<bool> present, int dataSymbols, ReadOnlySpan<int> repairIndices,
        ReadOnlySpan<ReadOnlyMemory<byte>> repairs, int maxRepairSymbols)
    {
        RequireDataCount(data.Length, dataSymbols);
        if (present.Length != dataSymbols)
        {
            throw new ArgumentException($"expected {dataSymbols} presence flags, got {present.Length}", nameof(present));
        }

        CheckRepairIndices(repairIndices, repairs.Length, maxRepairSymbols);
        var symbolLength = CommonLength(data, repairs, "repair symbol");
        var lostCount = 0;
        foreach (var isPresent in present)
        {
            lostCount += isPresent ? 0 : 1;
        }

        if (lostCount > repairs.Length)
        {
            throw new ArgumentException(
                $"{lostCount} data symbols are lost but only {repairs.Length} repair symbols were given; at least {lostCount} are needed",
                nameof(repairs));
        }

        return (symbolLength, lostCount);
    }

    private static void RequireDataCount(int actual, int expected)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"expected {expected} data symbols, got {actual}", "data");
        }
    }

    private static int CommonLength(ReadOnlySpan<ReadOnlyMemory<byte>> data, ReadOnlySpan<ReadOnlyMemory<byte>> repairs, string repairName)
    {
        var symbolLength = data[0].Length;
        for (var i = 1; i < data.Length; i++)
        {
            RequireLength(data[i].Length, symbolLength, "data symbol", i, "data");
        }

        for (var n = 0; n < repairs.Length; n++)
        {
            RequireLength(repairs[n].Length, symbolLength, repairName, n, "repairs");
        }

        return symbolLength;
    }

    private static void CheckRepairIndices(ReadOnlySpan<int> repairIndices, int repairCount, int maxRepairSymbols)
    {
        if (repairIndices.Length != repairCount)
        {
            throw new ArgumentException($"{repairIndices.Length} repair indices but {repairCount} repair symbols", "repairs");
        }

        // At most 65,536 indices: an 8 KiB bitmap on the stack.
        Span<ulong> seen = stackalloc ulong[(maxRepairSymbols + 63) / 64];
        seen.Clear();
        foreach (var index in repairIndices)
        {
            if ((uint)index >= (uint)maxRepairSymbols)
            {
                throw new ArgumentOutOfRangeException(nameof(repairIndices), index, $"repair index must be in [0, {maxRepairSymbols})");
            }

            ref var word = ref seen[index >> 6];
            var bit = 1UL << (index & 63);
            if ((word & bit) != 0)
            {
                throw new ArgumentException($"repair index {index} is given twice", nameof(repairIndices));
            }

            word |= bit;
        }
    }

    private static void RequireLength(int actual, int expected, string what, int position, string parameterName)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{what} {position} has {actual} bytes but symbol 0 has {expected}; all symbols must have the same length", parameterName);
        }
    }
}

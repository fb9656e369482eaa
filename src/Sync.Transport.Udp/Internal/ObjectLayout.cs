namespace Sync.Transport.Udp.Internal;

/// <summary>
/// How an object of <see cref="Length"/> bytes is cut into symbols of <see cref="SymbolSize"/> bytes (the last one
/// zero-padded) and blocks of <see cref="K"/> data symbols (the last block may hold fewer). Sender and receiver
/// derive the same layout from the announce, so no packet has to carry it.
/// </summary>
internal sealed record ObjectLayout
{
    /// <summary>Symbol ids per block: data symbols first, then repair symbols, 256 in all.</summary>
    public const int SymbolSpace = 256;

    public ObjectLayout(long length, int symbolSize, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(symbolSize, 1);
        if (k < 1 || k >= SymbolSpace)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"data symbols per block must be 1..{SymbolSpace - 1}");
        }

        Length = length;
        SymbolSize = symbolSize;
        K = k;
        SymbolCount = (length + symbolSize - 1) / symbolSize;
        long blocks = (SymbolCount + k - 1) / k;
        if (blocks > uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(length), length, "object too large for 32-bit block ids");
        }

        BlockCount = blocks;
    }

    public long Length { get; }

    public int SymbolSize { get; }

    public int K { get; }

    public long SymbolCount { get; }

    public long BlockCount { get; }

    /// <summary>Data symbols in block <paramref name="block"/>: <see cref="K"/> except perhaps in the last block.</summary>
    public int DataSymbols(long block) =>
        block < BlockCount - 1 ? K : (int)(SymbolCount - (BlockCount - 1) * K);

    /// <summary>Byte offset of data symbol <paramref name="symbol"/> of <paramref name="block"/> in the object.</summary>
    public long Offset(long block, int symbol) => (block * K + symbol) * SymbolSize;

    /// <summary>Bytes of the object (not padding) in the data symbols of <paramref name="block"/>.</summary>
    public int BlockBytes(long block) => (int)Math.Min((long)DataSymbols(block) * SymbolSize, Length - Offset(block, 0));
}

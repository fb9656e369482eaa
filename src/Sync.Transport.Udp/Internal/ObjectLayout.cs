namespace Sync.Transport.Udp.Internal;

/// <summary>
/// How an object of <see cref="Length"/> bytes is cut into symbols of <see cref="SymbolSize"/> bytes (the last one
/// zero-padded) and blocks of <see cref="K"/> data symbols (the last block may hold fewer), protected by
/// <see cref="Code"/>. Sender and receiver derive the same layout from the session ticket, so no packet carries it.
/// </summary>
internal sealed record ObjectLayout
{
    public ObjectLayout(long length, int symbolSize, int k, FecCode code = FecCode.ReedSolomon8)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(symbolSize, 1);
        if (!FecCodes.IsKnown(code))
        {
            throw new ArgumentOutOfRangeException(nameof(code), code, "unknown erasure code");
        }

        SymbolSpace = FecCodes.SymbolSpace(code);
        if (k < 1 || k >= SymbolSpace)
        {
            throw new ArgumentOutOfRangeException(nameof(k), k, $"data symbols per block must be 1..{SymbolSpace - 1}");
        }

        Code = code;
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

    public FecCode Code { get; }

    /// <summary>Symbol ids per block: data symbols first, then repair symbols; 256 or 65,536 by the code.</summary>
    public int SymbolSpace { get; }

    /// <summary>Bytes of one block's bitmap of held symbols (one bit per id).</summary>
    public int BitmapBytes => SymbolSpace / 8;

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

    /// <summary>Byte offset of symbol <paramref name="symbol"/> of <paramref name="block"/> in a receiver's repair file: one row of <see cref="SymbolSpace"/> slots per block.</summary>
    public long RepairOffset(long block, int symbol) => (block * SymbolSpace + symbol) * SymbolSize;

    /// <summary>Bytes of the object (not padding) in the data symbols of <paramref name="block"/>.</summary>
    public int BlockBytes(long block) => (int)Math.Min((long)DataSymbols(block) * SymbolSize, Length - Offset(block, 0));
}

namespace Sync.Benchmarks;

/// <summary>
/// What both codecs' benchmark fixtures share: a block of random data, buffers for its first repairs, and a loss
/// pattern spread over the block at random (as random loss or interleaving make it) with the copies a decode
/// rebuilds in place; the decode uses the first repairs, as many as symbols are lost.
/// </summary>
internal abstract class LossyBlock
{
    protected LossyBlock(int dataSymbols, int repairSymbols, int symbolLength, int lostSymbols, int seed)
    {
        SymbolLength = symbolLength;
        var random = new Random(seed);
        Original = new byte[dataSymbols][];
        for (var i = 0; i < dataSymbols; i++)
        {
            Original[i] = new byte[symbolLength];
            random.NextBytes(Original[i]);
        }

        Data = [.. Original.Select(d => (ReadOnlyMemory<byte>)d)];
        RepairIndices = [.. Enumerable.Range(0, repairSymbols)];
        Repairs = [.. RepairIndices.Select(_ => (Memory<byte>)new byte[symbolLength])];
        var lost = Enumerable.Range(0, dataSymbols).OrderBy(_ => random.Next()).Take(lostSymbols).ToHashSet();
        Lost = [.. lost.Order()];
        Received = [.. Original.Select(d => (Memory<byte>)(byte[])d.Clone())];
        Present = [.. Enumerable.Range(0, dataSymbols).Select(i => !lost.Contains(i))];
        ReceivedRepairs = [.. Repairs.Take(lostSymbols).Select(r => (ReadOnlyMemory<byte>)r)];
        ReceivedRepairIndices = RepairIndices[..lostSymbols];
    }

    public int SymbolLength { get; }

    public byte[][] Original { get; }

    public ReadOnlyMemory<byte>[] Data { get; }

    public int[] RepairIndices { get; }

    public Memory<byte>[] Repairs { get; }

    public int[] Lost { get; }

    public Memory<byte>[] Received { get; }

    public bool[] Present { get; }

    public int[] ReceivedRepairIndices { get; }

    public ReadOnlyMemory<byte>[] ReceivedRepairs { get; }

    /// <summary>Data bytes in the block: what throughput is counted in.</summary>
    public long DataBytes => (long)Original.Length * SymbolLength;

    public abstract void Encode();

    public abstract void Decode();

    public bool DecodedMatchesOriginal() => Lost.All(i => Received[i].Span.SequenceEqual(Original[i]));
}

using Sync.Fec;
using Sync.Fec.Internal;

namespace Sync.Benchmarks;

/// <summary>
/// One GF(2^16) block of random data with its first-pass repairs and a loss pattern spread over the block: the
/// shared fixture of the large-block FEC benchmarks and of the quick probe.
/// </summary>
internal sealed class Fec16Block
{
    public Fec16Block(Gf16Path path, int dataSymbols, int repairSymbols, int symbolLength, int lostSymbols, int seed = 1)
    {
        Codec = new ReedSolomon16Codec(dataSymbols, repairSymbols, path);
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
        Codec.Encode(Data, RepairIndices, Repairs);

        // Losses spread over the block at random, as random loss or interleaving make them; the decode uses the first repairs.
        var lost = Enumerable.Range(0, dataSymbols).OrderBy(_ => random.Next()).Take(lostSymbols).ToHashSet();
        Lost = [.. lost.Order()];
        Received = [.. Original.Select(d => (Memory<byte>)(byte[])d.Clone())];
        Present = [.. Enumerable.Range(0, dataSymbols).Select(i => !lost.Contains(i))];
        ReceivedRepairs = [.. Repairs.Take(lostSymbols).Select(r => (ReadOnlyMemory<byte>)r)];
        ReceivedRepairIndices = RepairIndices[..lostSymbols];
    }

    public ReedSolomon16Codec Codec { get; }

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

    public void Encode() => Codec.Encode(Data, RepairIndices, Repairs);

    public void Decode() => Codec.Decode(Received, Present, ReceivedRepairIndices, ReceivedRepairs);

    public bool DecodedMatchesOriginal() => Lost.All(i => Received[i].Span.SequenceEqual(Original[i]));
}

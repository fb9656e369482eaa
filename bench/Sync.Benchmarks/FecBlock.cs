using Sync.Fec;
using Sync.Fec.Internal;

namespace Sync.Benchmarks;

/// <summary>
/// One RS(k+r) block of random data with all its repairs, and a loss pattern: the shared fixture of the FEC
/// benchmarks and of the quick probe.
/// </summary>
internal sealed class FecBlock
{
    public FecBlock(KernelPath path, int dataSymbols, int repairSymbols, int symbolLength, int lostSymbols, int seed = 1)
    {
        Codec = new ReedSolomonCodec(dataSymbols, repairSymbols, path);
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

        // Losses spread over the block, as interleaving makes them; the decode uses the first repairs.
        Lost = [.. Enumerable.Range(0, dataSymbols).OrderBy(_ => random.Next()).Take(lostSymbols).Order()];
        Received = [.. Original.Select(d => (Memory<byte>)(byte[])d.Clone())];
        Present = [.. Enumerable.Range(0, dataSymbols).Select(i => !Lost.Contains(i))];
        ReceivedRepairs = [.. Repairs.Take(lostSymbols).Select(r => (ReadOnlyMemory<byte>)r)];
        ReceivedRepairIndices = RepairIndices[..lostSymbols];

        var (coefficients, nibbles, matrices) = CoefficientRows.StorageFor(path, lostSymbols, lostSymbols);
        _recoveryCoefficients = new byte[coefficients];
        _recoveryNibbles = new byte[nibbles];
        _recoveryMatrices = new ulong[matrices];
    }

    private readonly byte[] _recoveryCoefficients;
    private readonly byte[] _recoveryNibbles;
    private readonly ulong[] _recoveryMatrices;

    public ReedSolomonCodec Codec { get; }

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

    public void PrepareRecovery()
    {
        var size = Lost.Length;
        var recovery = new CoefficientRows(Codec.Path, _recoveryCoefficients, _recoveryNibbles, _recoveryMatrices, size, size);
        Codec.PrepareRecovery(Lost, ReceivedRepairIndices, recovery);
    }

    public bool DecodedMatchesOriginal() => Lost.All(i => Received[i].Span.SequenceEqual(Original[i]));
}

using Sync.Fec;
using Sync.Fec.Internal;

namespace Sync.Benchmarks;

/// <summary>
/// One RS(k+r) block of random data with all its repairs, and a loss pattern: the shared fixture of the FEC
/// benchmarks and of the quick probe.
/// </summary>
internal sealed class FecBlock : LossyBlock
{
    private readonly byte[] _recoveryCoefficients;
    private readonly byte[] _recoveryNibbles;
    private readonly ulong[] _recoveryMatrices;

    public FecBlock(KernelPath path, int dataSymbols, int repairSymbols, int symbolLength, int lostSymbols, int seed = 1)
        : base(dataSymbols, repairSymbols, symbolLength, lostSymbols, seed)
    {
        Codec = new ReedSolomonCodec(dataSymbols, repairSymbols, path);
        Encode();
        var (coefficients, nibbles, matrices) = CoefficientRows.StorageFor(path, lostSymbols, lostSymbols);
        _recoveryCoefficients = new byte[coefficients];
        _recoveryNibbles = new byte[nibbles];
        _recoveryMatrices = new ulong[matrices];
    }

    public ReedSolomonCodec Codec { get; }

    public override void Encode() => Codec.Encode(Data, RepairIndices, Repairs);

    public override void Decode() => Codec.Decode(Received, Present, ReceivedRepairIndices, ReceivedRepairs);

    public void PrepareRecovery()
    {
        var size = Lost.Length;
        var recovery = new CoefficientRows(Codec.Path, _recoveryCoefficients, _recoveryNibbles, _recoveryMatrices, size, size);
        Codec.PrepareRecovery(Lost, ReceivedRepairIndices, recovery);
    }
}

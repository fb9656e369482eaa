using Sync.Fec;
using Sync.Fec.Internal;

namespace Sync.Benchmarks;

/// <summary>One GF(2^16) block with its first-pass repairs and a loss pattern: the large-block benchmarks' and probe's fixture.</summary>
internal sealed class Fec16Block : LossyBlock
{
    public Fec16Block(Gf16Path path, int dataSymbols, int repairSymbols, int symbolLength, int lostSymbols, int seed = 1)
        : base(dataSymbols, repairSymbols, symbolLength, lostSymbols, seed)
    {
        Codec = new ReedSolomon16Codec(dataSymbols, repairSymbols, path);
        Encode();
    }

    public ReedSolomon16Codec Codec { get; }

    public override void Encode() => Codec.Encode(Data, RepairIndices, Repairs);

    public override void Decode() => Codec.Decode(Received, Present, ReceivedRepairIndices, ReceivedRepairs);
}

using Sync.Fec;

namespace Sync.Transport.Udp.Internal;

/// <summary>The production code: Sync.Fec's systematic Cauchy Reed-Solomon over GF(2^8).</summary>
internal sealed class ReedSolomonBlockCodec(int k, int maxRepair) : IBlockCodec
{
    public static readonly BlockCodecFactory Factory = (k, maxRepair) => new ReedSolomonBlockCodec(k, maxRepair);

    private readonly ReedSolomonCodec _codec = new(k, maxRepair);

    public void Encode(ReadOnlySpan<ReadOnlyMemory<byte>> data, ReadOnlySpan<int> repairIndices, ReadOnlySpan<Memory<byte>> repairs) =>
        _codec.Encode(data, repairIndices, repairs);

    public void Decode(ReadOnlySpan<Memory<byte>> data, ReadOnlySpan<bool> present, ReadOnlySpan<int> repairIndices, ReadOnlySpan<ReadOnlyMemory<byte>> repairs) =>
        _codec.Decode(data, present, repairIndices, repairs);
}

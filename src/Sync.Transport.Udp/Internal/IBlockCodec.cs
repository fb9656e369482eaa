namespace Sync.Transport.Udp.Internal;

/// <summary>
/// The erasure code as the carrier sees it (the shape of <see cref="Sync.Fec.ReedSolomonCodec"/>). A seam so the
/// carrier's tests can run with a stand-in code; production always uses <see cref="ReedSolomonBlockCodec"/>.
/// </summary>
internal interface IBlockCodec
{
    void Encode(ReadOnlySpan<ReadOnlyMemory<byte>> data, ReadOnlySpan<int> repairIndices, ReadOnlySpan<Memory<byte>> repairs);

    void Decode(ReadOnlySpan<Memory<byte>> data, ReadOnlySpan<bool> present, ReadOnlySpan<int> repairIndices, ReadOnlySpan<ReadOnlyMemory<byte>> repairs);
}

/// <summary>Makes the codec for blocks of k data symbols and up to maxRepair repair symbols.</summary>
internal delegate IBlockCodec BlockCodecFactory(int k, int maxRepair);

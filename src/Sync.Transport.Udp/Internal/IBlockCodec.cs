namespace Sync.Transport.Udp.Internal;

/// <summary>
/// The erasure code as the carrier sees it (the shape of Sync.Fec's codecs). A seam so the carrier's tests can run
/// with a stand-in code; production uses <see cref="BlockCodecs.Production"/>.
/// </summary>
internal interface IBlockCodec
{
    void Encode(ReadOnlySpan<ReadOnlyMemory<byte>> data, ReadOnlySpan<int> repairIndices, ReadOnlySpan<Memory<byte>> repairs);

    void Decode(ReadOnlySpan<Memory<byte>> data, ReadOnlySpan<bool> present, ReadOnlySpan<int> repairIndices, ReadOnlySpan<ReadOnlyMemory<byte>> repairs);
}

/// <summary>Makes the codec of <paramref name="code"/> for blocks of k data symbols sent with <paramref name="repairPerPass"/> repairs per pass.</summary>
internal delegate IBlockCodec BlockCodecFactory(FecCode code, int k, int repairPerPass);

using Sync.Fec;

namespace Sync.Transport.Udp.Internal;

/// <summary>The production codes behind <see cref="IBlockCodec"/>: one per <see cref="FecCode"/>.</summary>
internal static class BlockCodecs
{
    public static readonly BlockCodecFactory Production = (code, k, repairPerPass) => code switch
    {
        FecCode.ReedSolomon8 => new ReedSolomon8BlockCodec(k),
        FecCode.ReedSolomon16 => new ReedSolomon16BlockCodec(k, repairPerPass),
        _ => throw new ArgumentOutOfRangeException(nameof(code), code, "unknown erasure code"),
    };

    /// <summary>Sync.Fec's Cauchy code over GF(2^8); every repair id of the block's 256 is a repair point.</summary>
    private sealed class ReedSolomon8BlockCodec(int k) : IBlockCodec
    {
        private readonly ReedSolomonCodec _codec = new(k, FecCodes.SymbolSpace(FecCode.ReedSolomon8) - k);

        public void Encode(ReadOnlySpan<ReadOnlyMemory<byte>> data, ReadOnlySpan<int> repairIndices, ReadOnlySpan<Memory<byte>> repairs) =>
            _codec.Encode(data, repairIndices, repairs);

        public void Decode(ReadOnlySpan<Memory<byte>> data, ReadOnlySpan<bool> present, ReadOnlySpan<int> repairIndices, ReadOnlySpan<ReadOnlyMemory<byte>> repairs) =>
            _codec.Decode(data, present, repairIndices, repairs);
    }

    /// <summary>Sync.Fec's FFT code over GF(2^16); the first pass's repair count is part of the code (its window W).</summary>
    private sealed class ReedSolomon16BlockCodec(int k, int repairPerPass) : IBlockCodec
    {
        private readonly ReedSolomon16Codec _codec = new(k, repairPerPass);

        public void Encode(ReadOnlySpan<ReadOnlyMemory<byte>> data, ReadOnlySpan<int> repairIndices, ReadOnlySpan<Memory<byte>> repairs) =>
            _codec.Encode(data, repairIndices, repairs);

        public void Decode(ReadOnlySpan<Memory<byte>> data, ReadOnlySpan<bool> present, ReadOnlySpan<int> repairIndices, ReadOnlySpan<ReadOnlyMemory<byte>> repairs) =>
            _codec.Decode(data, present, repairIndices, repairs);
    }
}

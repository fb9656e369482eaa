namespace Sync.Transport.Udp.Internal;

/// <summary>
/// One codec per distinct block size (an object has at most two: k and its short last block), made on first use.
/// Owned by a single thread.
/// </summary>
internal sealed class CodecCache(BlockCodecFactory factory, FecCode code, int repairPerPass)
{
    private readonly Dictionary<int, IBlockCodec> _codecs = [];

    public IBlockCodec For(int k)
    {
        if (!_codecs.TryGetValue(k, out IBlockCodec? codec))
        {
            codec = factory(code, k, repairPerPass);
            _codecs[k] = codec;
        }

        return codec;
    }
}

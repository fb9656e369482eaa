namespace Sync.Core.Compression;

/// <summary>Steps the system zlib's deflate. Not thread-safe.</summary>
internal sealed unsafe class DeflateEngine : ICompressionEngine
{
    private readonly DeflateStreamHandle _handle;

    public DeflateEngine(CompressionSetting setting) => _handle = DeflateStreamHandle.Create(setting);

    public bool Step(ReadOnlySpan<byte> input, Span<byte> output, bool finish, out int consumed, out int produced)
    {
        var added = false;
        _handle.DangerousAddRef(ref added);
        try
        {
            var stream = _handle.Stream;
            int rc;
            fixed (byte* inPtr = input)
            fixed (byte* outPtr = output)
            {
                stream->NextIn = inPtr;
                stream->AvailIn = (uint)input.Length;
                stream->NextOut = outPtr;
                stream->AvailOut = (uint)output.Length;
                rc = ZlibNative.Deflate(stream, finish ? ZlibNative.Finish : ZlibNative.NoFlush);
                consumed = input.Length - (int)stream->AvailIn;
                produced = output.Length - (int)stream->AvailOut;
                stream->NextIn = null;
                stream->NextOut = null;
            }

            return rc switch
            {
                ZlibNative.StreamEnd => true,
                ZlibNative.Ok or ZlibNative.BufError => false,
                _ => throw new CompressionUnavailableException($"zlib deflate failed (error {rc})"),
            };
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    public void Dispose() => _handle.Dispose();
}

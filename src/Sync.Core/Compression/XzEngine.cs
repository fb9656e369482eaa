namespace Sync.Core.Compression;

/// <summary>Steps the system liblzma's .xz encoder. Not thread-safe.</summary>
internal sealed unsafe class XzEngine : ICompressionEngine
{
    private readonly LzmaStreamHandle _handle;

    public XzEngine(CompressionSetting setting) => _handle = LzmaStreamHandle.Create(setting);

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
                stream->AvailIn = (nuint)input.Length;
                stream->NextOut = outPtr;
                stream->AvailOut = (nuint)output.Length;
                rc = LzmaNative.Code(stream, finish ? LzmaNative.Finish : LzmaNative.Run);
                consumed = input.Length - (int)stream->AvailIn;
                produced = output.Length - (int)stream->AvailOut;
                stream->NextIn = null;
                stream->NextOut = null;
            }

            return rc switch
            {
                LzmaNative.StreamEnd => true,
                LzmaNative.Ok or LzmaNative.BufError => false,
                _ => throw new CompressionUnavailableException($"liblzma failed (error {rc})"),
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

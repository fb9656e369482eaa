using System.Runtime.InteropServices;

namespace Sync.Core.Compression;

/// <summary>
/// Steps the system zlib's deflate. Owns the z_stream in native memory (zlib keeps a pointer back to it, so it must
/// never move) and ends it exactly once. Not thread-safe: one caller steps it, then disposes it.
/// </summary>
internal sealed unsafe class DeflateEngine : SafeHandle, ICompressionEngine
{
    private DeflateEngine()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>A deflate stream: raw (for a gzip member we frame ourselves) or zlib-wrapped.</summary>
    public static DeflateEngine Create(CompressionSetting setting)
    {
        var result = new DeflateEngine();
        var memory = (ZStream*)NativeMemory.AllocZeroed((nuint)sizeof(ZStream));
        var windowBits = setting.Format == CompressionFormat.Gzip ? -setting.WindowBits : setting.WindowBits;
        int rc;
        try
        {
            rc = ZlibNative.DeflateInit(memory, setting.Level, windowBits, setting.MemLevel, setting.Strategy);
        }
        catch
        {
            NativeMemory.Free(memory);
            throw;
        }

        if (rc != ZlibNative.Ok)
        {
            NativeMemory.Free(memory);
            throw new CompressionUnavailableException($"zlib refused deflate setting {setting} (error {rc})");
        }

        result.SetHandle((IntPtr)memory);
        return result;
    }

    public bool Step(ReadOnlySpan<byte> input, Span<byte> output, bool finish, out int consumed, out int produced)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        var stream = (ZStream*)handle;
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

    protected override bool ReleaseHandle()
    {
        ZlibNative.DeflateEnd((ZStream*)handle);
        NativeMemory.Free((void*)handle);
        return true;
    }
}

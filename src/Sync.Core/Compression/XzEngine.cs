using System.Runtime.InteropServices;

namespace Sync.Core.Compression;

/// <summary>
/// Steps the system liblzma's single-threaded .xz encoder for a preset: one block, as `xz -T1` and apt write. Owns the
/// lzma_stream in native memory and ends it exactly once. Not thread-safe: one caller steps it, then disposes it.
/// </summary>
internal sealed unsafe class XzEngine : SafeHandle, ICompressionEngine
{
    private XzEngine()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public static XzEngine Create(CompressionSetting setting) =>
        Start(
            (stream, state) => LzmaNative.EasyEncoder(stream, (uint)state.Level | (state.Extreme ? LzmaNative.PresetExtreme : 0), state.Check),
            setting,
            $"liblzma refused setting {setting}");

    /// <summary>A decoder of .xz streams, every concatenated one (APT's empty stream after the data included).</summary>
    public static XzEngine CreateDecoder(ulong memoryLimit) =>
        Start((stream, limit) => LzmaNative.StreamDecoder(stream, limit, LzmaNative.Concatenated), memoryLimit, "liblzma refused to start a decoder");

    private delegate int Initializer<T>(LzmaStream* stream, T state);

    /// <summary>Allocates the lzma_stream and initializes it; frees it again when the library refuses.</summary>
    private static XzEngine Start<T>(Initializer<T> initialize, T state, string refusal)
    {
        var result = new XzEngine();
        var memory = (LzmaStream*)NativeMemory.AllocZeroed((nuint)sizeof(LzmaStream));
        int rc;
        try
        {
            rc = initialize(memory, state);
        }
        catch
        {
            NativeMemory.Free(memory);
            throw;
        }

        if (rc != LzmaNative.Ok)
        {
            LzmaNative.End(memory);
            NativeMemory.Free(memory);
            throw new CompressionUnavailableException($"{refusal} (error {rc})");
        }

        result.SetHandle((IntPtr)memory);
        return result;
    }

    public bool Step(ReadOnlySpan<byte> input, Span<byte> output, bool finish, out int consumed, out int produced)
    {
        ObjectDisposedException.ThrowIf(IsClosed, this);
        var stream = (LzmaStream*)handle;
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

    protected override bool ReleaseHandle()
    {
        LzmaNative.End((LzmaStream*)handle);
        NativeMemory.Free((void*)handle);
        return true;
    }
}

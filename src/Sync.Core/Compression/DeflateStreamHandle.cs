using System.Runtime.InteropServices;

namespace Sync.Core.Compression;

/// <summary>
/// Owns a z_stream in native memory (zlib keeps a pointer back to it, so it must never move) and ends it exactly once.
/// </summary>
internal sealed unsafe class DeflateStreamHandle : SafeHandle
{
    private DeflateStreamHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public ZStream* Stream => (ZStream*)handle;

    /// <summary>A deflate stream: raw (for a gzip member we frame ourselves) or zlib-wrapped.</summary>
    public static DeflateStreamHandle Create(CompressionSetting setting)
    {
        var result = new DeflateStreamHandle();
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

    protected override bool ReleaseHandle()
    {
        ZlibNative.DeflateEnd((ZStream*)handle);
        NativeMemory.Free((void*)handle);
        return true;
    }
}

using System.Runtime.InteropServices;

namespace Sync.Core.Compression;

/// <summary>Owns an lzma_stream in native memory and ends it exactly once.</summary>
internal sealed unsafe class LzmaStreamHandle : SafeHandle
{
    private LzmaStreamHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public LzmaStream* Stream => (LzmaStream*)handle;

    /// <summary>liblzma's single-threaded .xz encoder for a preset: one block, as `xz -T1` and apt write.</summary>
    public static LzmaStreamHandle Create(CompressionSetting setting)
    {
        var result = new LzmaStreamHandle();
        var memory = (LzmaStream*)NativeMemory.AllocZeroed((nuint)sizeof(LzmaStream));
        int rc;
        try
        {
            rc = LzmaNative.EasyEncoder(memory, (uint)setting.Level | (setting.Extreme ? LzmaNative.PresetExtreme : 0), setting.Check);
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
            throw new CompressionUnavailableException($"liblzma refused setting {setting} (error {rc})");
        }

        result.SetHandle((IntPtr)memory);
        return result;
    }

    protected override bool ReleaseHandle()
    {
        LzmaNative.End((LzmaStream*)handle);
        NativeMemory.Free((void*)handle);
        return true;
    }
}

using System.Buffers;

namespace Sync.Fec.Internal;

/// <summary>A pooled byte buffer pinned for one call, its start aligned to a cache line.</summary>
internal unsafe ref struct PinnedScratch
{
    private const int Alignment = 64;

    private readonly byte[] _array;
    private MemoryHandle _handle;

    public PinnedScratch(long bytes)
    {
        _array = ArrayPool<byte>.Shared.Rent(checked((int)(bytes + Alignment)));
        _handle = _array.AsMemory().Pin();
        Pointer = (byte*)(((nint)_handle.Pointer + Alignment - 1) & ~(nint)(Alignment - 1));
    }

    public byte* Pointer { get; }

    public void Dispose()
    {
        _handle.Dispose();
        ArrayPool<byte>.Shared.Return(_array);
    }
}

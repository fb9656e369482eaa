namespace Sync.Core.Storage;

/// <summary>
/// Page-aligned memory for O_DIRECT reads and writes, on the pinned heap so its address never moves under the
/// system call.
/// </summary>
internal static class AlignedMemory
{
    public const int Alignment = 4096;

    /// <summary><paramref name="bytes"/> bytes starting on a page boundary.</summary>
    public static Memory<byte> Allocate(int bytes)
    {
        var array = GC.AllocateUninitializedArray<byte>(bytes + Alignment, pinned: true);
        unsafe
        {
            fixed (byte* start = array)
            {
                var skip = (int)((Alignment - ((nuint)start % Alignment)) % Alignment);
                return array.AsMemory(skip, bytes);
            }
        }
    }
}

namespace Sync.Core.Storage;

/// <summary>
/// The two page-aligned buffers a <see cref="DirectFileWriter"/> alternates between, allocated once per receive and
/// reused for every file in it. They live on the pinned heap, so their addresses never move under an O_DIRECT write.
/// </summary>
public sealed class DirectWriteBuffers
{
    /// <summary>Bytes per buffer: large enough that each write keeps the disk busy, small enough to cost 8 MiB in all.</summary>
    public const int BufferBytes = 4 << 20;

    private readonly Memory<byte>[] _buffers = [AlignedMemory.Allocate(BufferBytes), AlignedMemory.Allocate(BufferBytes)];

    public Memory<byte> this[int index] => _buffers[index];
}

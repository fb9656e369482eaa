using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;
using Sync.Core.Streams;
using Sync.Protocol;

namespace Sync.Benchmarks.Frames;

/// <summary>
/// The stream-based writer the carriers used before <see cref="PipeFrameWriter"/>, kept only as the frame
/// benchmark's baseline.
/// Writes domain frames to a byte stream as length-prefixed <see cref="V1.Frame"/> messages. Each frame is
/// encoded into one pooled buffer and handed to the stream in a single write, so the frame's memory is no
/// longer needed when <see cref="WriteAsync"/> returns. One writer per stream, used by one caller at a time.
/// Does not own the stream.
/// </summary>
internal sealed class StreamFrameWriter : IDeltaSink, IDisposable
{
    private const int InitialBufferBytes = 64 << 10;

    private readonly Stream _stream;
    private byte[]? _buffer;

    public StreamFrameWriter(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
    }

    /// <summary>Bytes handed to the stream, length prefixes included.</summary>
    public long BytesWritten { get; private set; }

    public long FramesWritten { get; private set; }

    public ValueTask WriteAsync(DeltaFrame frame, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        ReadOnlyMemory<byte> encoded;
        try
        {
            encoded = Encode(frame);
        }
        catch (Exception e) when (e is ArgumentException or ObjectDisposedException)
        {
            return ValueTask.FromException(e);
        }

        var write = _stream.WriteAsync(encoded, cancellationToken);
        if (!write.IsCompletedSuccessfully)
        {
            return AwaitWriteAsync(write, encoded.Length);
        }

        write.GetAwaiter().GetResult();
        Count(encoded.Length);
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = null;
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async ValueTask AwaitWriteAsync(ValueTask write, int length)
    {
        await write.ConfigureAwait(false);
        Count(length);
    }

    private void Count(int length)
    {
        BytesWritten += length;
        FramesWritten++;
    }

    private ReadOnlyMemory<byte> Encode(DeltaFrame frame)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        var wire = FrameCodec.ToWire(frame);
        var size = wire.CalculateSize();
        if (size > FrameCodec.MaxFrameBytes)
        {
            throw new ArgumentException($"a {frame.GetType().Name} of {size} bytes exceeds the frame limit of {FrameCodec.MaxFrameBytes} bytes", nameof(frame));
        }

        var total = FrameCodec.LengthPrefixBytes + size;
        if (_buffer.Length < total)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(total, _buffer.Length * 2));
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }

        BinaryPrimitives.WriteInt32LittleEndian(_buffer, size);
        wire.WriteTo(_buffer.AsSpan(FrameCodec.LengthPrefixBytes, size));
        return _buffer.AsMemory(0, total);
    }
}

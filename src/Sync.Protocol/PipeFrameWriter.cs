using System.Buffers.Binary;
using System.IO.Pipelines;
using Google.Protobuf;
using Sync.Core.Streams;

namespace Sync.Protocol;

/// <summary>
/// What is this? The outside's frame encoder (see <see cref="FrameCodec"/>), writing into a <see cref="PipeWriter"/>
/// as Kestrel writes responses: each frame is encoded straight into the pipe's memory (GetSpan, Advance), and the
/// pipe is flushed once <see cref="FlushThresholdBytes"/> are buffered, after the end frame and on
/// <see cref="FlushAsync"/>. A flush that does not complete at once is backpressure: <see cref="WriteAsync"/> waits
/// for it. The frame's memory is no longer needed when <see cref="WriteAsync"/> returns.
/// <para>
/// Disposing completes the pipe writer; bytes not flushed by then (a stream abandoned before its end frame) are
/// discarded and the reader sees a failure, not a clean end. One writer per pipe, used by one caller at a time.
/// </para>
/// </summary>
public sealed class PipeFrameWriter : IDeltaSink, IAsyncDisposable
{
    /// <summary>Small frames (content begins, manifest slices) are gathered up to this size before one flush.</summary>
    public const int FlushThresholdBytes = 256 << 10;

    private const int MinimumSegmentBytes = 64 << 10;

    private readonly PipeWriter _writer;
    private long _unflushed;
    private bool _disposed;

    /// <param name="writer">The pipe the carrier drains; completed when this writer is disposed.</param>
    public PipeFrameWriter(PipeWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
    }

    /// <summary>Bytes of the frames written so far, length prefixes included (flushed or not).</summary>
    public long BytesWritten { get; private set; }

    public long FramesWritten { get; private set; }

    /// <summary>A writer onto a byte stream (bundle parts, a spool file) through a pipe.</summary>
    public static PipeFrameWriter Create(Stream stream, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new PipeFrameWriter(PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: MinimumSegmentBytes, leaveOpen: leaveOpen)));
    }

    public ValueTask WriteAsync(DeltaFrame frame, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Encode(frame);
        }
        catch (Exception e) when (e is ArgumentException or ObjectDisposedException)
        {
            return ValueTask.FromException(e);
        }

        return frame is EndFrame || _unflushed >= FlushThresholdBytes ? FlushAsync(cancellationToken) : ValueTask.CompletedTask;
    }

    /// <summary>Hands every frame written so far to the pipe's reader, waiting while the reader is behind.</summary>
    public ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var flush = _writer.FlushAsync(cancellationToken);
        if (!flush.IsCompletedSuccessfully)
        {
            return AwaitFlushAsync(flush);
        }

        Flushed(flush.Result);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_unflushed > 0)
        {
            await _writer.CompleteAsync(new IOException("the frame stream was abandoned before its last frames were flushed")).ConfigureAwait(false);
        }
        else
        {
            await _writer.CompleteAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask AwaitFlushAsync(ValueTask<FlushResult> flush) => Flushed(await flush.ConfigureAwait(false));

    /// <summary>Only a flush that went through clears the count: after a failed one, disposal must not write the rest.</summary>
    private void Flushed(FlushResult result)
    {
        if (result.IsCanceled)
        {
            throw new OperationCanceledException("the frame stream's flush was canceled");
        }

        if (result.IsCompleted)
        {
            throw new IOException("the frame stream's reader stopped reading");
        }

        _unflushed = 0;
    }

    private void Encode(DeltaFrame frame)
    {
        var wire = FrameCodec.ToWire(frame);
        var size = wire.CalculateSize();
        if (size > FrameCodec.MaxFrameBytes)
        {
            throw new ArgumentException($"a {frame.GetType().Name} of {size} bytes exceeds the frame limit of {FrameCodec.MaxFrameBytes} bytes", nameof(frame));
        }

        var total = FrameCodec.LengthPrefixBytes + size;
        var span = _writer.GetSpan(total);
        BinaryPrimitives.WriteInt32LittleEndian(span, size);
        wire.WriteTo(span.Slice(FrameCodec.LengthPrefixBytes, size));
        _writer.Advance(total);
        _unflushed += total;
        BytesWritten += total;
        FramesWritten++;
    }
}

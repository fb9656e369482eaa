using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Sync.Core;
using Sync.Core.Streams;

namespace Sync.Protocol;

/// <summary>
/// What is this? The inside's frame parser (see <see cref="FrameCodec"/> for the encoding), reading from a
/// <see cref="PipeReader"/> as Kestrel parses requests: TryRead or ReadAsync, take every whole frame the buffer
/// holds, AdvanceTo(consumed, examined) so the pipe only wakes it again when more bytes arrived.
/// <para>
/// Lifetime: chunk data, manifest slices and patch literals of a returned frame are slices of the pipe's own
/// memory when the frame lies in one segment (no copy), or of one pooled buffer of this reader when it spans
/// segments. Either way they are valid only until the next <see cref="ReadAsync"/> or <see cref="IsAtEndAsync"/>
/// (the pipe may reuse its memory after AdvanceTo): copy what must live longer.
/// </para>
/// A length of 0 or over <see cref="FrameCodec.MaxFrameBytes"/> is refused before anything is allocated for it;
/// a stream ending inside a frame is refused as truncated. One caller at a time. Completes the pipe reader when
/// disposed (which closes the stream under it unless the pipe was created with leaveOpen).
/// </summary>
public sealed class PipeFrameReader : IDeltaSource, IAsyncDisposable
{
    /// <summary>
    /// Segment size of the pipes <see cref="Create"/> makes: a frame within one segment is handed over without a copy,
    /// so segments are several times the usual 1 MiB chunk frame (about one in four such frames straddles two segments).
    /// </summary>
    public const int SegmentBytes = 4 << 20;

    private const int MinimumReadBytes = 64 << 10;

    private readonly PipeReader _reader;
    private readonly string _what;
    private SequencePosition? _consumed;
    private byte[]? _joined;
    private bool _ended;
    private bool _disposed;

    /// <param name="reader">The pipe the carrier fills; completed when this reader is disposed.</param>
    /// <param name="what">Names the stream in refusals, e.g. "bundle sync-g00000002-...".</param>
    public PipeFrameReader(PipeReader reader, string what = "delta stream")
    {
        ArgumentNullException.ThrowIfNull(reader);
        _reader = reader;
        _what = what;
    }

    /// <summary>Bytes of the frames returned so far, length prefixes included.</summary>
    public long BytesRead { get; private set; }

    public long FramesRead { get; private set; }

    /// <summary>A reader over a byte stream (a bundle's parts, a spooled file) through a pipe with frame-sized segments.</summary>
    public static PipeFrameReader Create(Stream stream, string what, bool leaveOpen)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new PipeFrameReader(
            PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: SegmentBytes, minimumReadSize: MinimumReadBytes, leaveOpen: leaveOpen)),
            what);
    }

    /// <summary>The next frame, or null when the stream ends cleanly between two frames.</summary>
    public ValueTask<DeltaFrame?> ReadAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<DeltaFrame?>(cancellationToken);
        }

        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_ended)
            {
                return new ValueTask<DeltaFrame?>((DeltaFrame?)null);
            }

            Release();

            // Fast path: a whole frame is buffered already, so no async machinery is involved at all.
            if (_reader.TryRead(out var result) && TryTake(result, out var frame))
            {
                return new ValueTask<DeltaFrame?>(frame);
            }
        }
        catch (Exception e)
        {
            // A refusal, or the failure the pipe's writer completed with: the caller sees it when it awaits.
            return ValueTask.FromException<DeltaFrame?>(e);
        }

        return ReadSlowAsync(cancellationToken);
    }

    /// <summary>True when no byte follows the frames returned so far (waits for the stream to say so).</summary>
    public async ValueTask<bool> IsAtEndAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_ended)
        {
            return true;
        }

        Release();
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (!buffer.IsEmpty)
            {
                _reader.AdvanceTo(buffer.Start);
                return false;
            }

            _reader.AdvanceTo(buffer.End);
            if (result.IsCompleted)
            {
                _ended = true;
                return true;
            }

            ThrowIfCanceled(result);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            Release();
            await _reader.CompleteAsync().ConfigureAwait(false);
        }
        finally
        {
            var joined = _joined;
            _joined = null;
            if (joined is not null)
            {
                ArrayPool<byte>.Shared.Return(joined);
            }
        }
    }

    private async ValueTask<DeltaFrame?> ReadSlowAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (TryTake(result, out var frame))
            {
                return frame;
            }
        }
    }

    /// <summary>Hands the previous frame's bytes back to the pipe: from here on its memory may be reused.</summary>
    private void Release()
    {
        if (_consumed is { } consumed)
        {
            _consumed = null;
            _reader.AdvanceTo(consumed);
        }
    }

    /// <summary>
    /// Takes one frame from a read result: true with the frame (the bytes stay held until <see cref="Release"/>),
    /// true with null at a clean end, false when more bytes are needed (everything was examined, nothing consumed).
    /// </summary>
    private bool TryTake(ReadResult result, out DeltaFrame? frame)
    {
        var buffer = result.Buffer;
        try
        {
            if (TryParse(buffer, out frame, out var end))
            {
                _consumed = end;
                return true;
            }

            if (result.IsCompleted)
            {
                if (!buffer.IsEmpty)
                {
                    throw Truncated(buffer);
                }

                _reader.AdvanceTo(buffer.End);
                _ended = true;
                return true;
            }

            ThrowIfCanceled(result);
            _reader.AdvanceTo(buffer.Start, buffer.End);
            return false;
        }
        catch
        {
            // Leave the pipe in a state it accepts (one AdvanceTo per read) whatever the refusal.
            _consumed = null;
            _reader.AdvanceTo(buffer.Start);
            throw;
        }
    }

    private bool TryParse(ReadOnlySequence<byte> buffer, out DeltaFrame? frame, out SequencePosition end)
    {
        frame = null;
        end = buffer.Start;
        if (buffer.Length < FrameCodec.LengthPrefixBytes)
        {
            return false;
        }

        var length = ReadLength(buffer);
        var total = FrameCodec.LengthPrefixBytes + length;
        if (buffer.Length < total)
        {
            return false;
        }

        var body = buffer.Slice(FrameCodec.LengthPrefixBytes, length);
        try
        {
            frame = FrameCodec.Decode(body.IsSingleSegment ? body.First : Join(body));
        }
        catch (SyncException e)
        {
            throw SyncException.Refused($"{_what} has a malformed frame #{FramesRead + 1} at byte {BytesRead}: {e.Message}", e);
        }

        end = body.End;
        BytesRead += total;
        FramesRead++;
        return true;
    }

    /// <summary>The length of the frame at the start of the buffer, refused before anything is allocated for it.</summary>
    private int ReadLength(ReadOnlySequence<byte> buffer)
    {
        var prefix = new SequenceReader<byte>(buffer);
        prefix.TryReadLittleEndian(out int signed);
        var length = (uint)signed;
        if (length == 0 || length > FrameCodec.MaxFrameBytes)
        {
            throw SyncException.Refused(
                $"{_what} announces a frame of {length} bytes at byte {BytesRead} (allowed 1 to {FrameCodec.MaxFrameBytes}): damaged, or not a frame stream");
        }

        return (int)length;
    }

    /// <summary>A frame spanning segments, copied into this reader's one pooled buffer (the decoder needs it contiguous).</summary>
    private ReadOnlyMemory<byte> Join(ReadOnlySequence<byte> body)
    {
        var length = (int)body.Length;
        if (_joined is null || _joined.Length < length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(length, (_joined?.Length ?? 0) * 2));
            if (_joined is not null)
            {
                ArrayPool<byte>.Shared.Return(_joined);
            }

            _joined = bigger;
        }

        body.CopyTo(_joined);
        return _joined.AsMemory(0, length);
    }

    private SyncException Truncated(ReadOnlySequence<byte> buffer) => buffer.Length < FrameCodec.LengthPrefixBytes
        ? SyncException.Refused($"{_what} is truncated: it ends inside the length of frame #{FramesRead + 1} at byte {BytesRead}")
        : SyncException.Refused(
            $"{_what} is truncated: frame #{FramesRead + 1} at byte {BytesRead} announces {ReadLength(buffer)} bytes but only {buffer.Length - FrameCodec.LengthPrefixBytes} follow");

    private static void ThrowIfCanceled(ReadResult result)
    {
        if (result.IsCanceled)
        {
            throw new OperationCanceledException("the frame stream's read was canceled");
        }
    }
}

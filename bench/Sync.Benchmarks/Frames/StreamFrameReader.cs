using System.Buffers;
using System.Buffers.Binary;
using Sync.Core;
using Sync.Core.Streams;
using Sync.Protocol;

namespace Sync.Benchmarks.Frames;

/// <summary>
/// The stream-based reader the carriers used before <see cref="PipeFrameReader"/>, kept only as the frame
/// benchmark's baseline.
/// Reads length-prefixed frames from a byte stream (see <see cref="FrameCodec"/>). Reads ahead into one
/// pooled buffer and decodes in place: chunk data, manifest slices and patch literals of a returned frame
/// reference that buffer and are valid only until the next <see cref="ReadAsync"/> (copy what must live
/// longer). A length of 0 or over <see cref="FrameCodec.MaxFrameBytes"/> is refused before anything is
/// allocated for it; a stream ending inside a frame is refused as truncated. One caller at a time.
/// Does not own the stream.
/// </summary>
internal sealed class StreamFrameReader : IDeltaSource, IDisposable
{
    private const int InitialBufferBytes = 64 << 10;

    private readonly Stream _stream;
    private readonly string _what;
    private byte[]? _buffer;
    private int _start;
    private int _end;
    private bool _streamEnded;

    /// <param name="stream">The byte stream; read sequentially, never sought.</param>
    /// <param name="what">Names the stream in refusals, e.g. "bundle sync-g00000002-...".</param>
    public StreamFrameReader(Stream stream, string what = "delta stream")
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _what = what;
        _buffer = ArrayPool<byte>.Shared.Rent(InitialBufferBytes);
    }

    /// <summary>Bytes of the frames returned so far, length prefixes included.</summary>
    public long BytesRead { get; private set; }

    public long FramesRead { get; private set; }

    /// <summary>The next frame, or null when the stream ends cleanly between two frames.</summary>
    public ValueTask<DeltaFrame?> ReadAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<DeltaFrame?>(cancellationToken);
        }

        // Fast path: a whole frame is already buffered, so no async machinery is involved at all.
        try
        {
            if (_end - _start >= FrameCodec.LengthPrefixBytes)
            {
                var total = FrameCodec.LengthPrefixBytes + ReadLength();
                if (_end - _start >= total)
                {
                    return new ValueTask<DeltaFrame?>(DecodeBuffered(total));
                }
            }
        }
        catch (SyncException e)
        {
            return ValueTask.FromException<DeltaFrame?>(e);
        }

        return ReadSlowAsync(cancellationToken);
    }

    /// <summary>True when no byte follows the frames returned so far (reads the stream to find out).</summary>
    public async ValueTask<bool> IsAtEndAsync(CancellationToken cancellationToken) =>
        _end == _start && !await FillAsync(1, cancellationToken).ConfigureAwait(false);

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = null;
        _start = 0;
        _end = 0;
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async ValueTask<DeltaFrame?> ReadSlowAsync(CancellationToken cancellationToken)
    {
        if (!await FillAsync(FrameCodec.LengthPrefixBytes, cancellationToken).ConfigureAwait(false))
        {
            if (_end == _start)
            {
                return null;
            }

            throw SyncException.Refused($"{_what} is truncated: it ends inside the length of frame #{FramesRead + 1} at byte {BytesRead}");
        }

        var total = FrameCodec.LengthPrefixBytes + ReadLength();
        if (!await FillAsync(total, cancellationToken).ConfigureAwait(false))
        {
            throw SyncException.Refused(
                $"{_what} is truncated: frame #{FramesRead + 1} at byte {BytesRead} announces {total - FrameCodec.LengthPrefixBytes} bytes but only {_end - _start - FrameCodec.LengthPrefixBytes} follow");
        }

        return DecodeBuffered(total);
    }

    /// <summary>The length of the buffered frame at the read position, refused before anything is allocated for it.</summary>
    private int ReadLength()
    {
        var length = BinaryPrimitives.ReadUInt32LittleEndian(_buffer.AsSpan(_start));
        if (length == 0 || length > FrameCodec.MaxFrameBytes)
        {
            throw SyncException.Refused(
                $"{_what} announces a frame of {length} bytes at byte {BytesRead} (allowed 1 to {FrameCodec.MaxFrameBytes}): damaged, or not a frame stream");
        }

        return (int)length;
    }

    private DeltaFrame DecodeBuffered(int total)
    {
        DeltaFrame frame;
        try
        {
            frame = FrameCodec.Decode(_buffer.AsMemory(_start + FrameCodec.LengthPrefixBytes, total - FrameCodec.LengthPrefixBytes));
        }
        catch (SyncException e)
        {
            throw SyncException.Refused($"{_what} has a malformed frame #{FramesRead + 1} at byte {BytesRead}: {e.Message}", e);
        }

        _start += total;
        BytesRead += total;
        FramesRead++;
        return frame;
    }

    /// <summary>Makes at least <paramref name="count"/> unread bytes available; false if the stream ends first.</summary>
    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        if (_end - _start >= count)
        {
            return true;
        }

        if (_streamEnded)
        {
            return false;
        }

        if (_start == _end)
        {
            _start = 0;
            _end = 0;
        }

        if (_buffer.Length - _start < count)
        {
            // Moving the unread tail invalidates the memory of the frame returned last, as documented.
            var unread = _end - _start;
            if (_buffer.Length >= count)
            {
                _buffer.AsSpan(_start, unread).CopyTo(_buffer);
            }
            else
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(count, _buffer.Length * 2));
                _buffer.AsSpan(_start, unread).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }

            _start = 0;
            _end = unread;
        }

        while (_end - _start < count)
        {
            var read = await _stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                _streamEnded = true;
                return false;
            }

            _end += read;
        }

        return true;
    }
}

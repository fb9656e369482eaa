namespace Sync.Core.FileSystem;

/// <summary>A seekable <see cref="Stream"/> over an open file of a tree, for code that reads or writes streams (delta patches).</summary>
public sealed class FileHandleStream : Stream
{
    private readonly IFileHandle _file;
    private readonly bool _writable;
    private readonly bool _ownsHandle;
    private long _position;

    /// <param name="ownsHandle">True when disposing the stream closes <paramref name="file"/>; else the caller does.</param>
    public FileHandleStream(IFileHandle file, bool writable, bool ownsHandle = false)
    {
        _file = file;
        _writable = writable;
        _ownsHandle = ownsHandle;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => _writable;

    public override long Length => _file.Length;

    public override long Position
    {
        get => _position;
        set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = _file.Read(buffer, _position);
        _position += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await _file.ReadAsync(buffer, _position, cancellationToken).ConfigureAwait(false);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureWritable();
        _file.Write(buffer, _position);
        _position += buffer.Length;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        EnsureWritable();
        await _file.WriteAsync(buffer, _position, cancellationToken).ConfigureAwait(false);
        _position += buffer.Length;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => Length + offset,
        };
        return _position;
    }

    public override void SetLength(long value)
    {
        EnsureWritable();
        _file.SetLength(value);
    }

    public override void Flush()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && _ownsHandle)
        {
            _file.Dispose();
        }

        base.Dispose(disposing);
    }

    private void EnsureWritable()
    {
        if (!_writable)
        {
            throw new NotSupportedException("stream is read-only");
        }
    }
}

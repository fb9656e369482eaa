using Sync.Core.FileSystem;

namespace Sync.Core.Storage;

/// <summary>
/// Writes a new file front to back with O_DIRECT, through two aligned buffers: one fills while the other is on its
/// way to the disk. Received contents are large and read again only after they are published, so the page cache
/// gains nothing from them, and copying every byte into it was most of the inside's system time (several seconds
/// per GiB on a VM whose fresh memory is slow). The data is also on the disk when the last byte is appended, so
/// the publish's sync has little left to wait for.
/// </summary>
/// <remarks>
/// Bytes appended but not yet written (up to two buffers) are lost if the process dies; whatever was written is a
/// prefix of the file, which is all that resuming a cut transfer relies on. Disposing without
/// <see cref="CompleteAsync"/> writes what was appended (a cancelled receive keeps it for a resume).
/// </remarks>
public sealed class DirectFileWriter : IAsyncDisposable
{
    /// <summary>Files below this are written through the page cache: two aligned writes would cost more than a copy.</summary>
    public const long MinimumLength = 1 << 20;

    private const int Alignment = 4096;

    private readonly IFileHandle _handle;
    private readonly DirectWriteBuffers _buffers;
    private Task _inFlight = Task.CompletedTask;
    private int _current;
    private int _filled;
    private long _written; // bytes of the file already handed to the disk (a multiple of the buffer size)
    private bool _completed;

    private DirectFileWriter(IFileHandle handle, DirectWriteBuffers buffers)
    {
        _handle = handle;
        _buffers = buffers;
    }

    /// <summary>Bytes appended so far.</summary>
    public long Length => _written + _filled;

    /// <summary>
    /// A writer for a new file of <paramref name="length"/> bytes at <paramref name="path"/> of a tree (space reserved up
    /// front), or null where O_DIRECT is not available: the caller then writes the file the ordinary way.
    /// </summary>
    public static DirectFileWriter? TryCreate(IDirectoryTree tree, string path, int mode, long length, DirectWriteBuffers buffers)
    {
        var handle = tree.TryCreateDirect(path, mode, length);
        return handle is null ? null : new DirectFileWriter(handle, buffers);
    }

    public async ValueTask AppendAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            var buffer = _buffers[_current];
            var take = Math.Min(data.Length, buffer.Length - _filled);
            data.Span[..take].CopyTo(buffer.Span[_filled..]);
            _filled += take;
            data = data[take..];
            if (_filled == buffer.Length)
            {
                await FlushFullBufferAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Writes the rest and sets the exact length. The caller makes it durable (the publish syncs the file system).</summary>
    public async ValueTask CompleteAsync(CancellationToken cancellationToken)
    {
        await _inFlight.ConfigureAwait(false);
        await WriteTailAsync(cancellationToken).ConfigureAwait(false);
        _completed = true;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_completed)
            {
                // Keep what arrived: a resume checks the prefix chunk by chunk and asks only for the rest.
                await ((Task)_inFlight).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await WriteTailAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (IOException)
        {
            // A full disk or a failing one: the resume check drops what did not make it.
        }
        finally
        {
            _handle.Dispose();
        }
    }

    private async ValueTask FlushFullBufferAsync(CancellationToken cancellationToken)
    {
        // The other buffer must be on the disk before it is filled again.
        await _inFlight.ConfigureAwait(false);
        var buffer = _buffers[_current];
        var offset = _written;
        _inFlight = _handle.WriteAsync(buffer, offset, cancellationToken).AsTask();
        _written += buffer.Length;
        _current ^= 1;
        _filled = 0;
    }

    private async ValueTask WriteTailAsync(CancellationToken cancellationToken)
    {
        if (_filled > 0)
        {
            // O_DIRECT writes whole aligned blocks: the tail goes out padded and the length is set after.
            var padded = (_filled + Alignment - 1) / Alignment * Alignment;
            var buffer = _buffers[_current];
            buffer.Span[_filled..padded].Clear();
            await _handle.WriteAsync(buffer[..padded], _written, cancellationToken).ConfigureAwait(false);
        }

        _handle.SetLength(_written + _filled);
    }
}

using System.Security.Cryptography;
using Sync.Core;
using Sync.Core.Posix;

namespace Sync.Transport.FileDrop.Internal;

/// <summary>
/// What is this? The write side of a bundle: a write-only stream that cuts the frame byte stream into parts
/// of at most the volume size. Each part is written as NAME.tmp, hashed as it is written, fsynced and renamed
/// when full (or when the bundle completes), so a part file with its final name is always whole. Frames may
/// span parts: the parts concatenated are exactly the stream. Used by one writer at a time.
/// </summary>
internal sealed class PartWriterStream : Stream
{
    private const int FileBufferBytes = 256 << 10;

    private readonly string _directory;
    private readonly string _bundle;
    private readonly long _volumeSize;
    private readonly List<CompletedPart> _completed = [];
    private readonly List<string> _created = [];
    private readonly System.IO.Hashing.XxHash128 _hash = new();
    private FileStream? _file;
    private string _tempPath = string.Empty;
    private long _partBytes;

    public PartWriterStream(string directory, string bundle, long volumeSize)
    {
        _directory = directory;
        _bundle = bundle;
        _volumeSize = volumeSize;
    }

    public IReadOnlyList<CompletedPart> Completed => _completed;

    /// <summary>Every file this stream created (temporary names and final part names), for clean-up.</summary>
    public IReadOnlyList<string> Created => _created;

    public long TotalBytes { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty)
        {
            var file = _file ?? OpenNextPart();
            var piece = buffer[..(int)Math.Min(_volumeSize - _partBytes, buffer.Length)];
            try
            {
                await file.WriteAsync(piece, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw WriteFailure(e);
            }

            Account(piece.Span);
            buffer = buffer[piece.Length..];
            if (_partBytes == _volumeSize)
            {
                FinishPart();
            }
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var file = _file ?? OpenNextPart();
            var piece = buffer[..(int)Math.Min(_volumeSize - _partBytes, buffer.Length)];
            try
            {
                file.Write(piece);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw WriteFailure(e);
            }

            Account(piece);
            buffer = buffer[piece.Length..];
            if (_partBytes == _volumeSize)
            {
                FinishPart();
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <summary>Finishes the last part. The stream is done afterwards.</summary>
    public void Complete()
    {
        if (_file is not null)
        {
            FinishPart();
        }
    }

    /// <summary>Closes the open part, if any, and deletes every file this stream created.</summary>
    public void DeleteAll()
    {
        CloseQuietly();
        foreach (var path in _created)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: without an index the leftover is never read, and the next scan ignores it.
            }
        }
    }

    public override void Flush()
    {
        // Parts are flushed to disk as they complete; there is nothing to do between frames.
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            CloseQuietly();
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// Closes the open part on the way out of a failure: on a full medium the file's buffered tail cannot be written
    /// and closing throws again, which must not stop the part from being deleted (a medium full of a .tmp that no
    /// index names is a medium the operator cannot use).
    /// </summary>
    private void CloseQuietly()
    {
        var file = _file;
        _file = null;
        try
        {
            file?.Dispose();
        }
        catch (IOException)
        {
            // The part is incomplete either way: DeleteAll removes it, and without an index it is never read.
        }
    }

    private FileStream OpenNextPart()
    {
        var name = BundleNames.Part(_bundle, _completed.Count + 1);
        _tempPath = Path.Combine(_directory, name + BundleNames.TempExtension);
        try
        {
            _file = new FileStream(_tempPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                BufferSize = (int)Math.Min(FileBufferBytes, _volumeSize),
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw WriteFailure(e);
        }

        _created.Add(_tempPath);
        _partBytes = 0;
        return _file;
    }

    private void Account(ReadOnlySpan<byte> written)
    {
        _hash.Append(written);
        _partBytes += written.Length;
        TotalBytes += written.Length;
    }

    private void FinishPart()
    {
        var file = _file!;
        var number = _completed.Count + 1;
        var name = BundleNames.Part(_bundle, number);
        var finalPath = Path.Combine(_directory, name);
        try
        {
            file.Flush(flushToDisk: true);
            file.Dispose();
            _file = null;
            _created.Add(finalPath);
            File.Move(_tempPath, finalPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw WriteFailure(e);
        }

        _completed.Add(new CompletedPart(name, _partBytes, _hash.GetHashAndReset()));
    }

    private SyncException WriteFailure(Exception e)
    {
        var part = BundleNames.PartLabel(_completed.Count + 1);
        return Posix.IsDiskFull(e)
            ? SyncException.Storage($"drop folder '{_directory}' is full while writing part {part} of bundle {_bundle}: {e.Message}", e)
            : SyncException.Storage($"cannot write part {part} of bundle {_bundle} in '{_directory}': {e.Message}", e);
    }
}

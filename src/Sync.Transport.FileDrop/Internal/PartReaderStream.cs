using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Sync.Core;
using Sync.Core.Streams;

namespace Sync.Transport.FileDrop.Internal;

/// <summary>
/// What is this? The read side of a bundle: the parts concatenated into one read-only stream. Each part's
/// XXH3-128 checksum is computed as it is read and compared with the index as soon as its last byte is read, before
/// that byte is returned; a mismatch is a refusal. Bytes of a part returned earlier may be damaged, so the
/// consumer discards what it staged when reading fails. Read by one caller at a time.
/// </summary>
internal sealed class PartReaderStream : ReadOnlyStream
{
    private readonly string _directory;
    private readonly string _bundle;
    private readonly IReadOnlyList<BundlePartInfo> _parts;
    private readonly System.IO.Hashing.XxHash128 _hash = new();
    private int _index;
    private SafeFileHandle? _handle;
    private long _offset;

    public PartReaderStream(string directory, string bundle, IReadOnlyList<BundlePartInfo> parts)
    {
        _directory = directory;
        _bundle = bundle;
        _parts = parts;
    }

    /// <summary>Throws unless every part is present with the size the index gives it.</summary>
    public void CheckPartsPresent()
    {
        var missing = new List<string>();
        for (var i = 0; i < _parts.Count; i++)
        {
            var part = _parts[i];
            var info = new FileInfo(PathOf(part));
            if (!info.Exists)
            {
                missing.Add(part.Label);
            }
            else if (info.Length != part.Size)
            {
                throw WrongSize(part, info.Length);
            }
        }

        if (missing.Count > 0)
        {
            throw Missing(missing[0], missing.Count);
        }
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (NextRead(buffer.Length) is not (var handle, var want))
        {
            return 0;
        }

        int read;
        try
        {
            read = await RandomAccess.ReadAsync(handle, buffer[..want], _offset, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw ReadFailure(e);
        }

        return Account(buffer.Span[..read]);
    }

    public override int Read(Span<byte> buffer)
    {
        if (NextRead(buffer.Length) is not (var handle, var want))
        {
            return 0;
        }

        int read;
        try
        {
            read = RandomAccess.Read(handle, buffer[..want], _offset);
        }
        catch (IOException e)
        {
            throw ReadFailure(e);
        }

        return Account(buffer[..read]);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _handle?.Dispose();
            _handle = null;
        }

        base.Dispose(disposing);
    }

    /// <summary>
    /// The part a read of up to <paramref name="capacity"/> bytes takes from (opened if need be) and how many bytes of it
    /// to ask for; null for an empty buffer or when every part has been read.
    /// </summary>
    private (SafeFileHandle Handle, int Want)? NextRead(int capacity)
    {
        if (capacity == 0)
        {
            return null;
        }

        var handle = _handle ?? OpenNext();
        return handle is null ? null : (handle, (int)Math.Min(capacity, _parts[_index].Size - _offset));
    }

    /// <summary>Opens the next part to read, or returns null when every part has been read.</summary>
    private SafeFileHandle? OpenNext()
    {
        if (_index >= _parts.Count)
        {
            return null;
        }

        var part = _parts[_index];
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(PathOf(part), FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw Missing(part.Label, 1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw ReadFailure(e);
        }

        var length = RandomAccess.GetLength(handle);
        if (length != part.Size)
        {
            handle.Dispose();
            throw WrongSize(part, length);
        }

        _handle = handle;
        _offset = 0;
        return handle;
    }

    private int Account(ReadOnlySpan<byte> read)
    {
        var part = _parts[_index];
        if (read.IsEmpty)
        {
            throw SyncException.Refused(RefusalKind.Damaged, $"bundle {_bundle} part {part.Label} ended after {_offset} bytes, index says {part.Size} (truncated while being read)");
        }

        _hash.Append(read);
        _offset += read.Length;
        if (_offset == part.Size)
        {
            _handle!.Dispose();
            _handle = null;
            _index++;
            if (!CryptographicOperations.FixedTimeEquals(_hash.GetHashAndReset(), part.Checksum))
            {
                throw SyncException.Refused(RefusalKind.Damaged, $"bundle {_bundle} part {part.Label} is damaged (checksum mismatch)");
            }
        }

        return read.Length;
    }

    private string PathOf(BundlePartInfo part) => Path.Combine(_directory, part.Name);

    private SyncException Missing(string label, int count) =>
        new(SyncErrorKind.MissingBase,
            $"bundle {_bundle} is missing part {label} ({(count > 1 ? $"{count} of {_parts.Count} parts are" : "it is")} not in '{_directory}' yet; copy every part of the bundle)");

    private SyncException WrongSize(BundlePartInfo part, long actual) =>
        SyncException.Refused(RefusalKind.Damaged, $"bundle {_bundle} part {part.Label} has {actual} bytes, index says {part.Size} (truncated or from another bundle)");

    private SyncException ReadFailure(Exception e) =>
        SyncException.Storage($"cannot read part {(_index < _parts.Count ? _parts[_index].Label : "?")} of bundle {_bundle}: {e.Message}", e);
}

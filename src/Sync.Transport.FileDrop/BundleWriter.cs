using Google.Protobuf;
using Sync.Core;
using Sync.Core.Posix;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Protocol;
using Sync.Transport.FileDrop.Internal;

namespace Sync.Transport.FileDrop;

/// <summary>
/// What is this? The outside's file-drop carrier. Frames go through a <see cref="FrameWriter"/> into parts of
/// at most the volume size (so a bundle fits on removable media); <see cref="CompleteAsync"/> then writes the
/// signed index, last and atomically, and only its presence makes the bundle visible to the inside. A bundle
/// that is not completed leaves nothing behind once disposed. One caller at a time.
/// </summary>
public sealed class BundleWriter : IDeltaSink, IAsyncDisposable
{
    public const long MinimumVolumeSize = 64 << 10;

    private readonly string _directory;
    private readonly SigningKey _key;
    private readonly long _volumeSize;
    private PartWriterStream? _parts;
    private FrameWriter? _frames;
    private SignedPayload? _header;
    private DeltaHeader? _headerInfo;
    private string? _name;
    private string? _indexTemp;
    private string? _indexPublished;
    private bool _ended;
    private bool _faulted;
    private bool _completed;

    private BundleWriter(string directory, SigningKey key, long volumeSize)
    {
        _directory = directory;
        _key = key;
        _volumeSize = volumeSize;
    }

    /// <summary>The bundle's name, known once the header frame has been written.</summary>
    public string? Name => _name;

    /// <summary>Frame bytes written so far (the sum of the part sizes).</summary>
    public long BytesWritten => _frames?.BytesWritten ?? 0;

    /// <param name="dropDirectory">An existing folder, typically on the media that crosses the air gap.</param>
    /// <param name="key">Signs the index; not disposed by the writer.</param>
    /// <param name="volumeSize">The largest part, at least <see cref="MinimumVolumeSize"/>.</param>
    public static BundleWriter Create(string dropDirectory, SigningKey key, long volumeSize)
    {
        ArgumentNullException.ThrowIfNull(dropDirectory);
        ArgumentNullException.ThrowIfNull(key);
        if (volumeSize < MinimumVolumeSize)
        {
            throw new ArgumentException($"volume size {volumeSize} bytes is below the minimum of {MinimumVolumeSize} bytes (64K)", nameof(volumeSize));
        }

        if (!Directory.Exists(dropDirectory))
        {
            throw SyncException.Usage($"drop folder '{dropDirectory}' does not exist");
        }

        return new BundleWriter(Path.GetFullPath(dropDirectory), key, volumeSize);
    }

    public async ValueTask WriteAsync(DeltaFrame frame, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (_completed || _faulted || _ended)
        {
            throw new InvalidOperationException(_ended
                ? "the bundle already has its end frame"
                : "the bundle is completed or failed; start a new one");
        }

        var frames = _frames ?? Start(frame);
        try
        {
            await frames.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _faulted = true;
            throw;
        }

        _ended = frame is EndFrame;
    }

    /// <summary>
    /// Finishes the last part, makes every part durable, then writes the signed index. Call only after the end
    /// frame; the bundle is complete (and visible to the inside) when this returns.
    /// </summary>
    public Task<BundleInfo> CompleteAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_completed || _faulted || _parts is null || !_ended)
        {
            throw new InvalidOperationException(_completed ? "the bundle is already completed"
                : _faulted ? "a frame write failed; the bundle cannot be completed"
                : "the bundle has no end frame yet");
        }

        try
        {
            _parts.Complete();
            Posix.FsyncDirectory(_directory);
            var index = BuildIndex(_parts.Completed, _parts.TotalBytes);
            var indexName = WriteIndex(index);
            _completed = true;
            return Task.FromResult(new BundleInfo(_name!, indexName, _parts.Completed.Select(p => p.Name).ToArray(), _parts.TotalBytes));
        }
        catch
        {
            _faulted = true;
            throw;
        }
    }

    /// <summary>Deletes every file of the bundle unless it was completed.</summary>
    public ValueTask DisposeAsync()
    {
        _frames?.Dispose();
        _frames = null;
        if (_parts is not null)
        {
            if (!_completed)
            {
                // The index goes first, so the inside never sees a bundle whose parts are being deleted.
                foreach (var index in new[] { _indexPublished, _indexTemp })
                {
                    if (index is not null)
                    {
                        TryDelete(index);
                    }
                }

                _parts.DeleteAll();
            }

            _parts.Dispose();
            _parts = null;
        }

        return ValueTask.CompletedTask;
    }

    private FrameWriter Start(DeltaFrame first)
    {
        if (first is not HeaderFrame header)
        {
            throw new InvalidOperationException($"the first frame of a bundle must be its signed header, not a {first.GetType().Name}");
        }

        var info = ProtobufWireCodec.Instance.ParseHeader(header.Header.Payload);
        var name = BundleNames.For(info);
        var indexPath = Path.Combine(_directory, BundleNames.Index(name));
        if (File.Exists(indexPath))
        {
            throw new SyncException(SyncErrorKind.Failure, $"bundle {name} already exists in '{_directory}'; refusing to overwrite it");
        }

        _header = header.Header;
        _headerInfo = info;
        _name = name;
        _parts = new PartWriterStream(_directory, name, _volumeSize);
        _frames = new FrameWriter(_parts);
        return _frames;
    }

    private Protocol.V1.BundleIndex BuildIndex(IReadOnlyList<CompletedPart> parts, long totalBytes)
    {
        var index = new Protocol.V1.BundleIndex
        {
            FormatVersion = IndexFile.FormatVersion,
            BundleId = ByteString.CopyFrom(_headerInfo!.StreamId),
            Header = new Protocol.V1.Signed
            {
                Payload = UnsafeByteOperations.UnsafeWrap(_header!.Payload),
                KeyId = UnsafeByteOperations.UnsafeWrap(_header.KeyId),
                Signature = UnsafeByteOperations.UnsafeWrap(_header.Signature),
            },
            TotalBytes = (ulong)totalBytes,
        };
        foreach (var part in parts)
        {
            index.Parts.Add(new Protocol.V1.BundlePart
            {
                Name = part.Name,
                Size = (ulong)part.Size,
                Checksum = UnsafeByteOperations.UnsafeWrap(part.Checksum),
            });
        }

        return index;
    }

    private string WriteIndex(Protocol.V1.BundleIndex index)
    {
        var signed = _key.Sign(index.ToByteArray());
        var envelope = new Protocol.V1.Signed
        {
            Payload = UnsafeByteOperations.UnsafeWrap(signed.Payload),
            KeyId = UnsafeByteOperations.UnsafeWrap(signed.KeyId),
            Signature = UnsafeByteOperations.UnsafeWrap(signed.Signature),
        };

        var indexName = BundleNames.Index(_name!);
        var indexPath = Path.Combine(_directory, indexName);
        _indexTemp = indexPath + BundleNames.TempExtension;
        try
        {
            using (var stream = new FileStream(_indexTemp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                stream.Write(IndexFile.Magic);
                envelope.WriteTo(stream);
                stream.Flush(flushToDisk: true);
            }

            // No overwrite: an index that appeared meanwhile is someone else's bundle and stays as it is.
            File.Move(_indexTemp, indexPath, overwrite: false);
            _indexTemp = null;
            _indexPublished = indexPath;
            Posix.FsyncDirectory(_directory);
        }
        catch (IOException e) when (File.Exists(indexPath) && _indexTemp is not null)
        {
            throw new SyncException(SyncErrorKind.Failure, $"bundle {_name} already exists in '{_directory}'; refusing to overwrite it", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Posix.IsDiskFull(e)
                ? SyncException.Storage($"drop folder '{_directory}' is full while writing the index of bundle {_name}: {e.Message}", e)
                : SyncException.Storage($"cannot write the index of bundle {_name} in '{_directory}': {e.Message}", e);
        }

        return indexName;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover .tmp is never read.
        }
    }
}

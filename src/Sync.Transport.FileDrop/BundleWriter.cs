using Google.Protobuf;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Posix;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Protocol;
using Sync.Transport.FileDrop.Internal;

namespace Sync.Transport.FileDrop;

/// <summary>
/// What is this? The outside's file-drop carrier. Frames go through a <see cref="PipeFrameWriter"/> into parts of
/// at most the volume size (so a bundle fits on removable media); <see cref="CompleteAsync(CancellationToken)"/> then
/// writes the signed index, last and atomically, and only its presence makes the bundle visible to the inside. A
/// bundle that is not completed leaves nothing behind once disposed. One caller at a time.
/// </summary>
public sealed class BundleWriter : IDeltaSink, IAsyncDisposable
{
    public const long MinimumVolumeSize = 64 << 10;

    private readonly string _directory;
    private readonly SigningKey _key;
    private readonly long _volumeSize;
    private PartWriterStream? _parts;
    private PipeFrameWriter? _frames;
    private SignedPayload? _header;
    private DeltaHeader? _headerInfo;
    private string? _name;
    private string? _indexTemp;
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

    /// <summary>True once the index is in place: the bundle is visible, and nothing of it is deleted any more.</summary>
    public bool IsComplete => _completed;

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

        return new BundleWriter(Path.GetFullPath(DropFolder.RequireExisting(dropDirectory)), key, volumeSize);
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
    public Task<BundleInfo> CompleteAsync(CancellationToken cancellationToken) => CompleteAsync(null, cancellationToken);

    /// <summary>
    /// As above, calling <paramref name="beforeVisible"/> once every part and the signed index are durable but before
    /// the index is renamed into place: the one instant at which the outside can record the bundle as emitted
    /// without the inside possibly holding it already. If it throws, nothing becomes visible.
    /// </summary>
    public Task<BundleInfo> CompleteAsync(Action<SealedIndex>? beforeVisible, CancellationToken cancellationToken)
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
            CrashPoints.Hit();
            var sealedIndex = new SealedIndex(BundleNames.Index(_name!), IndexFile.Encode(BuildIndex(_parts.Completed, _parts.TotalBytes).ToByteArray(), _key));
            _indexTemp = Path.Combine(_directory, sealedIndex.IndexName + BundleNames.TempExtension);
            WriteDurably(_indexTemp, sealedIndex.Bytes, _name!);
            CrashPoints.Hit();
            beforeVisible?.Invoke(sealedIndex);
            Publish(_directory, sealedIndex, _indexTemp, _name!);

            // Visible means delivered: from here on nothing of the bundle is deleted, whatever fails.
            _indexTemp = null;
            _completed = true;
            Posix.FsyncDirectory(_directory);
            CrashPoints.Hit();
            return Task.FromResult(new BundleInfo(_name!, sealedIndex.IndexName, _parts.Completed.Select(p => p.Name).ToArray(), _parts.TotalBytes));
        }
        catch
        {
            _faulted = !_completed;
            throw;
        }
    }

    /// <summary>
    /// Writes an index that an interrupted export sealed (and recorded) again into a drop folder: the same bytes
    /// under the same name, so an inside that has it already sees the same bundle twice and skips it. False when
    /// the folder holds it already.
    /// </summary>
    public static bool Redeliver(string dropDirectory, SealedIndex index)
    {
        ArgumentNullException.ThrowIfNull(index);
        var directory = Path.GetFullPath(dropDirectory);
        var path = Path.Combine(directory, index.IndexName);
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(index.Bytes))
        {
            return false;
        }

        var temp = path + BundleNames.TempExtension;
        try
        {
            WriteDurably(temp, index.Bytes, index.IndexName, overwrite: true);
            Publish(directory, index, temp, index.IndexName);
            Posix.FsyncDirectory(directory);
            return true;
        }
        finally
        {
            TryDelete(temp);
        }
    }

    /// <summary>Deletes every file of the bundle unless it was completed.</summary>
    public async ValueTask DisposeAsync()
    {
        // A bundle abandoned before its end frame is not flushed any further: its files go below all the same.
        if (_frames is not null)
        {
            await _frames.DisposeAsync().ConfigureAwait(false);
            _frames = null;
        }

        if (_parts is not null)
        {
            if (!_completed)
            {
                // A bundle not completed never had its index renamed into place: only its temporary file goes.
                if (_indexTemp is not null)
                {
                    TryDelete(_indexTemp);
                }

                _parts.DeleteAll();
            }

            _parts.Dispose();
            _parts = null;
        }
    }

    private PipeFrameWriter Start(DeltaFrame first)
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
        _frames = PipeFrameWriter.Create(_parts, leaveOpen: true);
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

    private static void WriteDurably(string path, byte[] bytes, string bundle, bool overwrite = false)
    {
        try
        {
            using var stream = new FileStream(path, overwrite ? FileMode.Create : FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw IndexWriteFailed(e, Path.GetDirectoryName(path)!, bundle);
        }
    }

    /// <summary>Renames the index into place, never over another file: an index that appeared meanwhile is someone else's bundle.</summary>
    private static void Publish(string directory, SealedIndex index, string temp, string bundle)
    {
        var path = Path.Combine(directory, index.IndexName);
        try
        {
            File.Move(temp, path, overwrite: false);
        }
        catch (IOException e) when (File.Exists(path))
        {
            throw new SyncException(SyncErrorKind.Failure, $"bundle {bundle} already exists in '{directory}'; refusing to overwrite it", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw IndexWriteFailed(e, directory, bundle);
        }
    }

    private static SyncException IndexWriteFailed(Exception e, string directory, string bundle) => Posix.IsDiskFull(e)
        ? SyncException.Storage($"drop folder '{directory}' is full while writing the index of bundle {bundle}: {e.Message}", e)
        : SyncException.Storage($"cannot write the index of bundle {bundle} in '{directory}': {e.Message}", e);

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

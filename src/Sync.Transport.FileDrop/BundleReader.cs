using Sync.Core;
using Sync.Core.Streams;
using Sync.Protocol;
using Sync.Transport.FileDrop.Internal;

namespace Sync.Transport.FileDrop;

/// <summary>
/// The inside's file-drop carrier: reads a bundle's parts as one frame stream. Each part is checked against
/// the index checksum as soon as its last byte is read; the stream must open with the header the index names
/// and end exactly after its end frame. Frame memory is valid until the next read (see <see cref="PipeFrameReader"/>).
/// Call <see cref="CheckPartsPresent"/> first, before anything is staged. One caller at a time.
/// </summary>
public sealed class BundleReader : IDeltaSource, IAsyncDisposable
{
    private readonly BundleListing _listing;
    private readonly PartReaderStream _parts;
    private readonly PipeFrameReader _frames;
    private bool _started;
    private bool _ended;

    private BundleReader(BundleListing listing, PartReaderStream parts)
    {
        _listing = listing;
        _parts = parts;
        _frames = PipeFrameReader.Create(parts, $"bundle {listing.Name}", leaveOpen: true);
    }

    public string Name => _listing.Name;

    /// <summary>Opens a bundle listed by <see cref="BundleCatalog.Scan"/> whose parts are in <paramref name="dropDirectory"/>.</summary>
    public static BundleReader Open(BundleListing listing, string dropDirectory)
    {
        ArgumentNullException.ThrowIfNull(listing);
        ArgumentNullException.ThrowIfNull(dropDirectory);
        if (!listing.IsValid)
        {
            throw SyncException.Refused(RefusalKind.Damaged, $"bundle {listing.Name} cannot be read: {listing.Error ?? "its index was not read"}");
        }

        return new BundleReader(listing, new PartReaderStream(Path.GetFullPath(dropDirectory), listing.Name, listing.Parts));
    }

    /// <summary>
    /// Throws <see cref="SyncErrorKind.MissingBase"/> when a part is not there (yet), and a refusal when a part
    /// has another size than the index says.
    /// </summary>
    public void CheckPartsPresent() => _parts.CheckPartsPresent();

    public async ValueTask<DeltaFrame?> ReadAsync(CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return null;
        }

        var frame = await _frames.ReadAsync(cancellationToken).ConfigureAwait(false)
            ?? throw SyncException.Refused(RefusalKind.Damaged, $"bundle {Name} ends without its end frame (truncated)");
        if (!_started)
        {
            if (frame is not HeaderFrame header || !SameSigned(header, _listing))
            {
                throw SyncException.Refused(RefusalKind.Damaged, $"bundle {Name} does not start with the header its index names (parts from another bundle?)");
            }

            _started = true;
        }

        if (frame is EndFrame)
        {
            if (!await _frames.IsAtEndAsync(cancellationToken).ConfigureAwait(false))
            {
                throw SyncException.Refused(RefusalKind.Damaged, $"bundle {Name} has bytes after its end frame");
            }

            _ended = true;
        }

        return frame;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _frames.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _parts.Dispose();
        }
    }

    private static bool SameSigned(HeaderFrame frame, BundleListing listing) =>
        listing.Header is { } expected &&
        frame.Header.Payload.AsSpan().SequenceEqual(expected.Payload) &&
        frame.Header.KeyId.AsSpan().SequenceEqual(expected.KeyId) &&
        frame.Header.Signature.AsSpan().SequenceEqual(expected.Signature);
}

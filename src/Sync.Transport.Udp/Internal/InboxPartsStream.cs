using Sync.Core;
using Sync.Core.Streams;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? A stream sent in parts, read as one stream while its parts still arrive: part 0, 1, 2... from the
/// <see cref="UdpInbox"/>, in order. When the next part is not there yet it waits for the inbox's
/// <see cref="UdpInbox.WhenChanged"/> signal (no polling); when none comes within the part wait, and no datagram
/// arrived meanwhile either (<c>linkActivity</c>, the receiver's packet count: a slow link takes longer than the
/// wait for a large part, and starting over from part 0 each time would cost the apply again and again), it fails with a
/// <see cref="SyncErrorKind.MissingBase"/> error naming the part, so the intake keeps the stream waiting (an
/// <see cref="IOException"/> would count as disk trouble, a failure of the inside's own). It also gives up early when
/// the whole stream arrived meanwhile, or another complete stream that does not build on this one (an outside that
/// abandoned this stream half-sent sent that instead; waiting would hold the apply loop for as long as the link is
/// busy): the next round applies that. After the last part's bytes it ends.
/// Each part must start where the bytes read so far end; anything else is refused as damaged. Only the engine's
/// digests make the bytes trustworthy: the consumer discards what it staged when reading fails.
/// Read by one caller at a time, asynchronously only (a wait must never block a thread).
/// </summary>
internal sealed class InboxPartsStream(UdpInbox inbox, UdpPartialStream stream, TimeSpan partWait, TimeProvider time, Func<long>? linkActivity = null) : ReadOnlyStream
{
    private FileStream? _part;
    private long _partLeft;
    private bool _last;
    private bool _ended;

    /// <summary>Index of the part being read, or of the next one to read.</summary>
    public int Index { get; private set; }

    /// <summary>Bytes of the stream returned so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>The part it gave up waiting for, once it did.</summary>
    public int? StalledAt { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (!buffer.IsEmpty && !_ended)
        {
            if (_part is null)
            {
                await OpenNextAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            var read = await _part.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _partLeft)], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw SyncException.Refused(RefusalKind.Damaged, $"{Part(Index)} ended {_partLeft} bytes early (truncated while being read)");
            }

            BytesRead += read;
            _partLeft -= read;
            if (_partLeft == 0)
            {
                EndPart();
            }

            return read;
        }

        return 0;
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("read asynchronously: the next part may have to be waited for");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _part?.Dispose();
            _part = null;
        }

        base.Dispose(disposing);
    }

    /// <summary>Opens part <see cref="Index"/>, waiting for it to arrive; an empty part is passed over at once.</summary>
    private async Task OpenNextAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var activity = linkActivity?.Invoke();
        while (true)
        {
            var changed = inbox.WhenChanged; // before looking: a part added in between still wakes the wait
            if (inbox.FindPart(stream, Index, out var place) is { } path)
            {
                if (place.Offset != BytesRead)
                {
                    throw SyncException.Refused(RefusalKind.Damaged, $"{Part(Index)} starts at byte {place.Offset}, but the parts before it end at byte {BytesRead}");
                }

                // No FileStream buffer: the pipe's segments are the buffer, so the kernel copies straight into them.
                _part = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
                _partLeft = _part.Length;
                _last = place.Last;
                if (_partLeft == 0)
                {
                    EndPart();
                }

                return;
            }

            if (inbox.HoldsWhole(stream.StreamIdHex))
            {
                throw SyncException.MissingBase($"{Part(Index)} is not here, but the whole stream arrived: it is applied from that");
            }

            if (inbox.CompleteStreamNotNeeding(stream) is { } other)
            {
                throw SyncException.MissingBase($"{Part(Index)} is not here, and {other}, complete, needs none of it: that is applied first");
            }

            var left = partWait - time.GetElapsedTime(started);
            try
            {
                await changed.WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException) when (linkActivity?.Invoke() is { } now && now != activity)
            {
                // Datagrams still arrive: on a slow link a part takes longer than the wait; wait again.
                activity = now;
                started = time.GetTimestamp();
            }
            catch (TimeoutException)
            {
                StalledAt = Index;
                throw SyncException.MissingBase(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"{Part(Index)} did not arrive within {partWait.TotalSeconds:0.###} s; the stream is applied again when it does"));
            }
        }
    }

    private void EndPart()
    {
        _part!.Dispose();
        _part = null;
        _ended = _last;
        Index++;
    }

    private string Part(int index) => $"UDP {UdpPartFile.Description(stream.Describe, index)}";
}

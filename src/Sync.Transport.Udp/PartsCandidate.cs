using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Streams;
using Sync.Engine.Inside;
using Sync.Protocol;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp;

/// <summary>
/// A stream of the UDP inbox held in parts, as the inside's intake takes it: applied from part 0 on while the later
/// parts still arrive (<see cref="InboxPartsStream"/> waits for each), so what is left once the last datagram is in is
/// the apply of the last part and the publish. Its signed header is part 0's descriptor. When a part does not arrive
/// within the part wait the apply ends (what it staged is discarded, nothing is published) and the stream waits in the
/// inbox; <paramref name="stalls"/> remembers the part, so later rounds do not wait for it again until it is here.
/// Applied, refused or superseded streams leave the inbox, whole file and parts alike.
/// Called on the apply loop only, as is <paramref name="stalls"/>.
/// </summary>
internal sealed class PartsCandidate(
    UdpInbox inbox, UdpPartialStream stream, TimeSpan partWait, Func<long>? linkActivity, TimeProvider time, IDictionary<string, int> stalls, TextWriter output, Action published)
    : IIntakeCandidate
{
    private InboxPartsStream? _reading;

    public string What { get; } = $"UDP {stream.Describe}";

    public string? NamedStreamPrefix => null;

    public CandidateClaim? Claim { get; } = new(stream.Generation, stream.BaseGeneration, stream.StreamIdHex);

    public async ValueTask<CandidateHeader> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        _reading = null; // a new turn (the intake may try it again after a publish): only this turn's read counts
        var first = inbox.FindPart(stream, 0, out _) ?? throw SyncException.MissingBase($"{What}: part 0 is no longer in the inbox");
        var descriptor = await File.ReadAllBytesAsync(Path.ChangeExtension(first, UdpStreamFile.DescriptorExtension), cancellationToken).ConfigureAwait(false);
        return new CandidateHeader(UdpDescriptor.Decode(descriptor));
    }

    public ValueTask<IDeltaSource> OpenAsync(CancellationToken cancellationToken)
    {
        if (stalls.TryGetValue(stream.StreamIdHex, out var stalled) && inbox.FindPart(stream, stalled, out _) is null)
        {
            // Staging the parts before it again only to wait once more would gain nothing: tried when it is here.
            throw SyncException.MissingBase($"UDP {UdpPartFile.Description(stream.Describe, stalled)} has not arrived; the stream is applied when it does");
        }

        _reading = new InboxPartsStream(inbox, stream, partWait, time, linkActivity);

        // The reader owns the parts stream: the intake disposes the source, which completes the pipe and closes it.
        return ValueTask.FromResult<IDeltaSource>(PipeFrameReader.Create(_reading, What, leaveOpen: false));
    }

    public string Pending(Exception reason, PublishedRecord published) => reason is SyncException { Kind: SyncErrorKind.MissingBase } && stream.BaseGeneration > published.Generation
        ? $"{stream.Describe} waits in the inbox for generation {stream.BaseGeneration} (published: {published.Generation})"
        : reason is SyncException { Kind: SyncErrorKind.MissingBase } ? reason.Message : $"{stream.Describe}: {reason.Message}";

    public void Settle(CandidateFate fate, AppliedGeneration? applied)
    {
        if (fate is CandidateFate.Waiting or CandidateFate.Kept)
        {
            if (_reading?.StalledAt is { } stalled)
            {
                stalls[stream.StreamIdHex] = stalled;
            }

            return; // tried again when the next part or stream arrives
        }

        stalls.Remove(stream.StreamIdHex);

        // Told first, as InboxCandidate does: removing a 300 MB stream's parts took 95 ms after its publish.
        if (applied is not null)
        {
            published();
            InboxCandidate.WritePublished(output, applied);
        }

        inbox.RemoveStream(stream.StreamIdHex);
    }
}

using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Core.Export;
using Sync.Core.Hashing;
using Sync.Protocol.V1;

namespace Sync.Transport.Grpc;

/// <summary>
/// The outside reads what the inside says it holds: its published generation, then the contents and chunks it kept
/// from cut transfers, in batches. The inside controls this stream, so it is bounded before anything is kept:
/// digests per message (what an honest inside batches), digests in all (no more than the manifests they can come
/// from name: 32 bytes of manifest per distinct digest at least), messages, and time (the whole exchange within the
/// idle timeout). A breach ends the sync as refused, with a ResourceExhausted status on the wire.
/// </summary>
internal static class HoldingsReader
{
    /// <summary>Digests any inside may claim, whatever the outside knows: one full batch.</summary>
    public const int FloorDigests = GrpcLimits.DigestsPerMessage;

    /// <summary>Digests no inside may claim: a generation names at most this many entries.</summary>
    public static readonly long MaxDigests = Sync.Core.Manifests.ManifestLimits.Default.MaxEntries;

    public static async Task<(InsideHoldings Held, Outcome? Outcome)> ReadAsync(
        IdleLimitedPeerStream<OutsideMessage, InsideMessage> peer, OutsideState state, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(peer.Limit, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            return await ReadWithinAsync(peer, state, logger, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw TookTooLong(peer);
        }
        catch (SyncException e) when (e.InnerException is RpcException { StatusCode: StatusCode.DeadlineExceeded } && !cancellationToken.IsCancellationRequested)
        {
            // The stream's own idle limit has the same length and started a moment later: on a loaded machine its
            // timer may fire first. Either way the peer went silent while it owed its holdings: say so, one way.
            throw TookTooLong(peer);
        }
    }

    private static SyncException TookTooLong(IdleLimitedPeerStream<OutsideMessage, InsideMessage> peer)
    {
        var message = $"{peer.Peer} took more than {peer.Limit.TotalSeconds:F0} s to say what it holds; gave up on it";
        return new SyncException(SyncErrorKind.Failure, message, new RpcException(new Status(StatusCode.DeadlineExceeded, message)));
    }

    private static async Task<(InsideHoldings Held, Outcome? Outcome)> ReadWithinAsync(
        IPeerStream<OutsideMessage, InsideMessage> peer, OutsideState state, ILogger logger, CancellationToken cancellationToken)
    {
        long generation = 0;
        var digest = string.Empty;
        byte[]? manifest = null;
        var contents = new HashSet<Digest>();
        var chunks = new HashSet<Digest>();
        long limit = FloorDigests;
        long claimed = 0;
        for (var messages = 1; ; messages++)
        {
            var message = await peer.ReceiveAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new SyncException(SyncErrorKind.Failure, $"{peer.Peer} closed the stream before saying what it holds");
            if (message.BodyCase == InsideMessage.BodyOneofCase.Outcome)
            {
                message.Outcome.Message = PeerText.Clean(message.Outcome.Message);
                return (InsideHoldings.Nothing, message.Outcome);
            }

            if (message.BodyCase != InsideMessage.BodyOneofCase.Holdings)
            {
                throw SyncException.Refused($"{peer.Peer} sent {message.BodyCase} instead of its holdings");
            }

            var h = message.Holdings;
            if (messages == 1)
            {
                if (h.PublishedManifestDigest.Length is not (0 or Digest.Size))
                {
                    throw SyncException.Refused($"{peer.Peer} named a published manifest digest of {h.PublishedManifestDigest.Length} bytes");
                }

                generation = (long)h.PublishedGeneration;
                digest = Convert.ToHexStringLower(h.PublishedManifestDigest.Span);
                manifest = generation > 0 ? state.FindManifest(generation, digest) : null;
                limit = Math.Min(MaxDigests, FloorDigests + ((manifest?.Length ?? 0) + state.SentManifestBytes()) / Digest.Size);
            }

            var count = h.Contents.Count + h.Chunks.Count;
            claimed += count;
            if (count > GrpcLimits.DigestsPerMessage)
            {
                throw TooMuch($"{peer.Peer} sent {count} held digests in one message; at most {GrpcLimits.DigestsPerMessage} go in one");
            }

            if (claimed > limit)
            {
                throw TooMuch($"{peer.Peer} claims to hold more than {limit} contents and chunks from cut transfers, more than the generations this outside sent could name");
            }

            if (messages > limit / GrpcLimits.DigestsPerMessage + 1)
            {
                throw TooMuch($"{peer.Peer} sent more than {messages - 1} holdings messages for {claimed} digests");
            }

            foreach (var d in h.Contents)
            {
                contents.Add(ParseDigest(d, peer));
            }

            foreach (var d in h.Chunks)
            {
                chunks.Add(ParseDigest(d, peer));
            }

            if (h.Last)
            {
                break;
            }
        }

        if (generation > 0 && manifest is null)
        {
            GrpcLog.InsideGenerationUnknown(logger, generation, digest[..Math.Min(12, digest.Length)]);
        }

        if (contents.Count + chunks.Count > 0)
        {
            GrpcLog.PeerKeptHoldings(logger, peer.Peer, contents.Count, chunks.Count);
        }

        return (new InsideHoldings(generation, manifest, contents, chunks), null);
    }

    private static SyncException TooMuch(string message) =>
        SyncException.Refused(message, new RpcException(new Status(StatusCode.ResourceExhausted, message)));

    private static Digest ParseDigest(ByteString bytes, IPeerStream<OutsideMessage, InsideMessage> peer) => bytes.Length == Digest.Size
        ? Digest.FromBytes(bytes.Span)
        : throw SyncException.Refused($"{peer.Peer} sent a held digest of {bytes.Length} bytes");
}

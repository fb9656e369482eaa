using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Core.Streams;
using Sync.Engine.Outside;
using Sync.Protocol.V1;

namespace Sync.Transport.Grpc;

/// <summary>
/// The outside's half of one sync, whichever side dialled: one sync at a time (a second caller is told the outside is
/// busy), then the engine's <see cref="GenerationPublisher"/> runs the sequence over an <see cref="OutsideConversation"/>:
/// hear what the inside publishes and kept from a cut transfer, scan the next generation and send exactly the rest,
/// then wait for the inside's answer. The generation is committed as the base of later deltas only when the inside
/// says it is published.
/// </summary>
public sealed class OutsideSession(IWireCodec codec, ILogger logger, TimeProvider time, SyncGate gate)
{
    private OutsideConversation? _conversation;

    /// <summary>Bytes of delta stream sent by the last run, also when it failed: what a cut cost.</summary>
    public long BytesSent => _conversation?.BytesSent ?? 0;

    /// <summary>
    /// Dials the inside that serves at <paramref name="url"/> (`sync-outside push`) and runs one sync. A failed call
    /// throws a <see cref="SyncException"/> an operator can act on, saying how many bytes went out (a new push resumes).
    /// </summary>
    /// <param name="output">Takes the summary line.</param>
    public async Task<PublishOutcome> PushAsync(
        GrpcChannel channel, string url, OutsideSource source, TextWriter output, OperationProgress progress, CancellationToken cancellationToken)
    {
        try
        {
            using var call = new InsideEndpoint.InsideEndpointClient(channel).Push(cancellationToken: cancellationToken);
            var published = await RunAsync(PeerStreams.Client(call, url), source, output, progress, cancellationToken).ConfigureAwait(false);
            await TryCompleteAsync(call.RequestStream).ConfigureAwait(false);
            return published;
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw WithBytesSent(GrpcErrors.Describe(e, url));
        }
        catch (SyncException e) when (BytesSent > 0)
        {
            throw WithBytesSent(e);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is IOException or HttpRequestException or InvalidOperationException)
        {
            throw WithBytesSent(GrpcErrors.DescribeLost(e, url));
        }
    }

    /// <param name="output">Takes the summary line (a command's stdout; a server's null writer).</param>
    internal async Task<PublishOutcome> RunAsync(
        IPeerStream<OutsideMessage, InsideMessage> call, OutsideSource source, TextWriter output, OperationProgress progress, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var peer = new IdleLimitedPeerStream<OutsideMessage, InsideMessage>(call, source.IdleTimeout, time);
        var conversation = _conversation = new OutsideConversation(call, peer, source, logger, time, started);
        using var hold = await gate.EnterAsync(peer.Peer, cancellationToken).ConfigureAwait(false);
        if (hold is null)
        {
            var busy = SyncException.Busy($"the outside is serving {gate.Holder}");
            await conversation.AbortAsync(SyncException.Busy($"the outside is busy serving {gate.Holder}; try again when it is done"), cancellationToken)
                .ConfigureAwait(false);
            throw busy;
        }

        hold.LogWait(logger, peer.Peer);
        var outcome = await new GenerationPublisher(codec, logger, time)
            .PublishAsync(new GenerationSource(source.Source, source.StateDirectory, source.Key, source.Options), conversation, output, progress, cancellationToken)
            .ConfigureAwait(false);
        if (outcome.Status == PublishStatus.Published)
        {
            var seconds = Math.Max(time.GetElapsedTime(started).TotalSeconds, 1e-6);
            GrpcLog.PublishedBy(logger, outcome.Answer!.Generation, peer.Peer, conversation.BytesSent, seconds, conversation.BytesSent / seconds / (1 << 20));
        }

        return outcome;
    }

    private SyncException WithBytesSent(SyncException e) => BytesSent == 0 || e.Kind != SyncErrorKind.Failure
        ? e
        : new SyncException(e.Kind, $"{e.Message}; {BytesSent} bytes sent (a new push resumes)");

    private static async Task TryCompleteAsync(IClientStreamWriter<OutsideMessage> requests)
    {
        try
        {
            await requests.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The inside already ended the call after its answer; nothing left to close.
        }
    }
}

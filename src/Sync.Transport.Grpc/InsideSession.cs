using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Hashing;
using Sync.Core.Posix;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Engine.Inside;
using Sync.Engine.Outside;
using Sync.Protocol.V1;

namespace Sync.Transport.Grpc;

/// <summary>
/// The inside's half of one sync, whichever side dialled: say what is published and what a cut transfer left,
/// receive exactly the rest, have the engine's <see cref="GenerationIntake"/> admit, verify and publish it (and record
/// it in the status), and answer with the outcome. One sync at a time per inside:
/// a second one is told it is busy before anything is read. A cut stream leaves its verified data for the next.
/// </summary>
public sealed class InsideSession
{
    private readonly IWireCodec _codec;
    private readonly TrustStore _trust;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SyncGate _gate;

    public InsideSession(IWireCodec codec, TrustStore trust, ILogger logger, TimeProvider time, SyncGate gate)
    {
        _codec = codec;
        _trust = trust;
        _logger = logger;
        _time = time;
        _gate = gate;
    }

    /// <summary>
    /// Dials the outside that serves at <paramref name="url"/> (`sync-inside pull`) and runs one sync. Returns what
    /// this inside answered; throws a <see cref="SyncException"/> an operator can act on when the call failed.
    /// </summary>
    public async Task<PullResult> PullAsync(
        GrpcChannel channel, string url, InsideTarget target, OperationProgress progress, CancellationToken cancellationToken)
    {
        try
        {
            // The call is made with its own method description, so that chunks are read into pooled arrays.
            using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(PooledChunkMessages.Pull, null, new CallOptions(cancellationToken: cancellationToken));
            var peer = Prefetch(PeerStreams.Client(call, url), cancellationToken);
            var outcome = await RunAsync(peer, target, progress, cancellationToken, callerReportsCut: true).ConfigureAwait(false);
            // Let the outside read the answer and end the call, rather than cutting it under its feet.
            try
            {
                await call.RequestStream.CompleteAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is RpcException or InvalidOperationException)
            {
                // The outside already ended the call (it gave up, or was busy); the outcome above says how it went.
            }

            await peer.DrainAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
            return new PullResult(Outcomes.ToAnswer(outcome), (long)outcome.BytesReceived);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            InsideMetrics.SyncFailed(_time.GetUtcNow());
            throw GrpcErrors.Describe(e, url);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is IOException or HttpRequestException)
        {
            InsideMetrics.SyncFailed(_time.GetUtcNow());
            throw GrpcErrors.DescribeLost(e, url);
        }
    }

    /// <summary>
    /// Runs one sync. Returns the outcome the other side was sent, or throws when the link was lost. Give it a
    /// <see cref="Prefetch"/>ed stream so receiving overlaps with applying.
    /// </summary>
    /// <param name="callerReportsCut">
    /// A puller prints the lost link, or an answer other than published, as its one line: a cut before any data and
    /// a sync not published are then not logged again here. A serving inside has no such line, so it always warns.
    /// </param>
    internal async Task<Outcome> RunAsync(
        IPeerStream<InsideMessage, OutsideMessage> peer, InsideTarget target, OperationProgress progress, CancellationToken cancellationToken,
        bool callerReportsCut = false)
    {
        peer = new IdleLimitedPeerStream<InsideMessage, OutsideMessage>(peer, target.IdleTimeout, _time);
        using var hold = await _gate.EnterAsync(peer.Peer, cancellationToken).ConfigureAwait(false);
        if (hold is null)
        {
            return await SendAsync(peer, Outcomes.Of(Outcome.Types.Status.Busy, 0, $"the inside is busy applying a sync from {_gate.Holder}; try again when it is done"), cancellationToken)
                .ConfigureAwait(false);
        }

        hold.LogWait(_logger, peer.Peer);

        InsideState state;
        try
        {
            state = InsideState.OpenForWrite(target.StateDirectory);
        }
        catch (SyncException e)
        {
            // Another process holds the state (an import beside this service): this inside cannot apply now.
            InsideMetrics.Failed(e, _time.GetUtcNow());
            return await SendAsync(peer, Outcomes.Of(e), cancellationToken).ConfigureAwait(false);
        }

        using (state)
        {
            var started = _time.GetTimestamp();
            var source = new GrpcDeltaSource(peer);
            var intake = new GenerationIntake(_codec, _trust, state, new IntakeTarget(target.Target, target.Mode, target.KeepSnapshots) { Settings = target.Settings }, _logger, _time);
            Outcome outcome;
            try
            {
                outcome = await SyncAsync(peer, source, intake, target, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (SyncException e)
            {
                outcome = Outcomes.Of(e);
            }
            catch (Exception e) when (Posix.IsDiskFull(e))
            {
                outcome = Outcomes.Of(Outcome.Types.Status.StorageFull, 0, $"the inside's disk is full ({e.Message}); what was published before is intact");
            }
            catch (Exception e)
            {
                // The link was lost (or the service is stopping): no one to answer; the verified data stays for a resume.
                // A failed sync, not an inside that cannot apply. A cut cancels the call's token too, so a stop (which
                // ends the process and its metrics anyway) is not told apart here.
                InsideMetrics.SyncFailed(_time.GetUtcNow());

                if (source.BytesReceived > 0 || !callerReportsCut)
                {
                    GrpcLog.SyncFromCut(_logger, peer.Peer, source.BytesReceived, e.Message);
                }
                else
                {
                    // Nothing arrived, so nothing is kept: the puller's one error line says why (a refused certificate, say).
                    GrpcLog.SyncFromEndedBeforeData(_logger, peer.Peer, e.Message);
                }

                throw;
            }

            if (outcome.Status == Outcome.Types.Status.Published)
            {
                var seconds = Math.Max(_time.GetElapsedTime(started).TotalSeconds, 1e-6);
                GrpcLog.PublishedFrom(_logger, outcome.Generation, peer.Peer, source.BytesReceived, seconds, source.BytesReceived / seconds / (1 << 20));
            }
            else if (outcome.Status != Outcome.Types.Status.NothingNew && callerReportsCut)
            {
                // The puller says why in its own line (its error, or its service's warning): once is enough.
                GrpcLog.SyncFromNotPublishedToldByPuller(_logger, peer.Peer, outcome.Status, outcome.Message);
            }
            else if (outcome.Status != Outcome.Types.Status.NothingNew)
            {
                GrpcLog.SyncFromNotPublished(_logger, peer.Peer, outcome.Status, outcome.Message);
            }

            return await SendAsync(peer, outcome, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>About 4 MiB of average chunks received ahead of the apply.</summary>
    internal PrefetchingPeerStream<InsideMessage, OutsideMessage> Prefetch(IPeerStream<InsideMessage, OutsideMessage> peer, CancellationToken cancellationToken) =>
        new(peer, depth: 8, _time, cancellationToken);

    private async Task<Outcome> SyncAsync(
        IPeerStream<InsideMessage, OutsideMessage> peer, GrpcDeltaSource source, GenerationIntake intake, InsideTarget target, OperationProgress progress,
        CancellationToken cancellationToken)
    {
        var state = intake.State;
        var resume = new ResumeStore(Publisher.ResumeDirectory(state, target.Target, target.Mode));
        await intake.PrepareAsync(resume, cancellationToken).ConfigureAwait(false);

        var hello = await source.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        if (hello?.BodyCase == OutsideMessage.BodyOneofCase.Abort)
        {
            throw GrpcDeltaSource.AbortError(peer.Peer, hello.Abort);
        }

        if (hello?.BodyCase != OutsideMessage.BodyOneofCase.Hello)
        {
            throw SyncException.Refused($"{peer.Peer} did not open with a hello (sent {hello?.BodyCase.ToString() ?? "nothing"})");
        }

        if (hello.Hello.ProtocolVersion != GrpcLimits.ProtocolVersion)
        {
            throw SyncException.Refused($"{peer.Peer} speaks protocol {hello.Hello.ProtocolVersion}; this inside speaks {GrpcLimits.ProtocolVersion}");
        }

        await SendHoldingsAsync(peer, state.Published, resume, cancellationToken).ConfigureAwait(false);
        if (!resume.IsEmpty)
        {
            GrpcLog.Resuming(_logger, resume.Bytes, resume.Contents.Count, resume.Chunks.Count);
        }

        var first = await source.PeekAsync(cancellationToken).ConfigureAwait(false);
        if (first.BodyCase == OutsideMessage.BodyOneofCase.UpToDate)
        {
            InsideMetrics.Succeeded(_time.GetUtcNow());
            return Outcomes.Of(Outcome.Types.Status.NothingNew, state.Published.Generation, $"generation {state.Published.Generation} is current");
        }

        var received = await intake.ApplyStreamAsync(source, progress, resume, cancellationToken).ConfigureAwait(false);
        return new Outcome
        {
            Status = Outcome.Types.Status.Published,
            Generation = (ulong)received.Header.TargetGeneration,
            BytesReceived = (ulong)source.BytesReceived,
            Message = $"generation {received.Header.TargetGeneration} published",
        };
    }

    private static async Task SendHoldingsAsync(
        IPeerStream<InsideMessage, OutsideMessage> peer, PublishedRecord published, ResumeStore resume, CancellationToken cancellationToken)
    {
        var contents = resume.Contents.ToList();
        var chunks = resume.Chunks.ToList();
        var batch = new Holdings
        {
            PublishedGeneration = (ulong)published.Generation,
            PublishedManifestDigest = published.Generation == 0 ? ByteString.Empty : ByteString.CopyFrom(Convert.FromHexString(published.ManifestDigest)),
        };
        var inBatch = 0;
        foreach (var (digest, isContent) in contents.Select(d => (d, true)).Concat(chunks.Select(d => (d, false))))
        {
            (isContent ? batch.Contents : batch.Chunks).Add(ByteString.CopyFrom(digest.ToArray()));
            if (++inBatch == GrpcLimits.DigestsPerMessage)
            {
                await peer.SendAsync(new InsideMessage { Holdings = batch }, cancellationToken).ConfigureAwait(false);
                batch = new Holdings();
                inBatch = 0;
            }
        }

        batch.Last = true;
        await peer.SendAsync(new InsideMessage { Holdings = batch }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Outcome> SendAsync(IPeerStream<InsideMessage, OutsideMessage> peer, Outcome outcome, CancellationToken cancellationToken)
    {
        try
        {
            await peer.SendAsync(new InsideMessage { Outcome = outcome }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            GrpcLog.OutcomeNotSent(_logger, peer.Peer, e.Message);
        }

        return outcome;
    }
}

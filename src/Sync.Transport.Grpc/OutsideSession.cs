using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Core.Export;
using Sync.Core.Streams;
using Sync.Protocol.V1;

namespace Sync.Transport.Grpc;

/// <summary>
/// The outside's half of one sync, whichever side dialled: hear what the inside publishes and what it kept from a cut
/// transfer, scan the next generation and send exactly the rest, then wait for the inside's outcome. The generation is
/// committed as the base of later deltas only when the inside says it is published.
/// </summary>
public sealed class OutsideSession
{
    private readonly IWireCodec _codec;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly SyncGate _gate;
    private GrpcDeltaSink? _sink;

    public OutsideSession(IWireCodec codec, ILogger logger, TimeProvider time, SyncGate gate)
    {
        _codec = codec;
        _logger = logger;
        _time = time;
        _gate = gate;
    }

    /// <summary>Bytes of delta stream sent by the last run, also when it failed: what a cut cost.</summary>
    public long BytesSent => _sink?.BytesSent ?? 0;

    public async Task<SyncResult> RunAsync(
        IPeerStream<OutsideMessage, InsideMessage> call, OutsideSource source, OperationProgress progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var peer = new IdleLimitedPeerStream<OutsideMessage, InsideMessage>(call, source.IdleTimeout, _time);
        using var hold = await _gate.EnterAsync(peer.Peer, cancellationToken).ConfigureAwait(false);
        if (hold is null)
        {
            await AbortAsync(peer, $"the outside is busy serving {_gate.Holder}; try again when it is done", busy: true, cancellationToken).ConfigureAwait(false);
            throw SyncException.Busy($"the outside is serving {_gate.Holder}");
        }

        hold.LogWait(_logger, peer.Peer);

        OutsideState state;
        try
        {
            state = OutsideState.Open(source.StateDirectory);
        }
        catch (SyncException e)
        {
            await AbortAsync(peer, e.Message, e.Kind == SyncErrorKind.Busy, cancellationToken).ConfigureAwait(false);
            throw;
        }

        using (state)
        {
            if (state.RecoveryNote is { } note)
            {
                _logger.LogWarning("{Note}", note);
            }

            await peer.SendAsync(
                new OutsideMessage
                {
                    Hello = new Hello { ProtocolVersion = GrpcLimits.ProtocolVersion, KeyId = ByteString.CopyFrom(source.Key.KeyId), Agent = "sync-outside" },
                },
                cancellationToken).ConfigureAwait(false);
            (InsideHoldings Held, Outcome? Outcome) holdings;
            try
            {
                holdings = await HoldingsReader.ReadAsync(peer, state, _time, _logger, cancellationToken).ConfigureAwait(false);
            }
            catch (SyncException e) when (e.Kind == SyncErrorKind.Refused)
            {
                await AbortAsync(peer, e.Message, busy: false, cancellationToken).ConfigureAwait(false);
                throw;
            }

            if (holdings.Outcome is { } early)
            {
                return SyncResult.From(early, null, 0, clock.Elapsed);
            }

            var exporter = new DeltaExporter(_codec, _logger, _time);
            PreparedExport prepared;
            try
            {
                prepared = await exporter.PrepareAsync(source.Source, state, source.Key, source.Options, holdings.Held, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (SyncException e)
            {
                await AbortAsync(peer, e.Message, busy: false, cancellationToken).ConfigureAwait(false);
                throw;
            }

            if (prepared.NothingChanged)
            {
                await peer.SendAsync(new OutsideMessage { UpToDate = new UpToDate { Generation = (ulong)holdings.Held.PublishedGeneration } }, cancellationToken)
                    .ConfigureAwait(false);
                var answer = await ReceiveOutcomeAsync(peer, cancellationToken).ConfigureAwait(false);
                return SyncResult.From(answer, prepared.Summary, 0, clock.Elapsed);
            }

            prepared.RecordSent(state);
            var pacer = source.MaxBitsPerSecond is { } rate ? new SendPacer(rate, _time) : null;
            var sink = _sink = new GrpcDeltaSink(peer, pacer);
            var outcome = await SendAndAwaitOutcomeAsync(call, peer, prepared, sink, progress, cancellationToken).ConfigureAwait(false);
            if (outcome.Status == Outcome.Types.Status.Published && (long)outcome.Generation == prepared.Header.TargetGeneration)
            {
                prepared.Commit(state, _time.GetUtcNow());
            }

            var result = SyncResult.From(outcome, prepared.Summary, sink.BytesSent, clock.Elapsed);
            if (result.Published)
            {
                _logger.LogInformation(
                    "Generation {Generation} published by {Peer}: {Bytes} bytes sent in {Seconds:F1} s ({Rate:F1} MiB/s)",
                    result.Generation, peer.Peer, result.BytesSent, result.Elapsed.TotalSeconds, result.BytesSent / Math.Max(result.Elapsed.TotalSeconds, 1e-6) / (1 << 20));
            }

            return result;
        }
    }

    /// <summary>
    /// Streams the generation while listening for the inside: an inside that refuses early (bad key, replay) answers
    /// before the end, and the rest is not sent.
    /// </summary>
    /// <remarks>
    /// The answer is awaited on the bare <paramref name="call"/> while frames go out (sending a large generation takes
    /// longer than any idle timeout), then for at most the idle timeout after the last frame: the inside publishes
    /// meanwhile. If it does so later still, the next sync finds the generation among those sent.
    /// </remarks>
    private async Task<Outcome> SendAndAwaitOutcomeAsync(
        IPeerStream<OutsideMessage, InsideMessage> call, IdleLimitedPeerStream<OutsideMessage, InsideMessage> peer, PreparedExport prepared, GrpcDeltaSink sink,
        OperationProgress progress, CancellationToken cancellationToken)
    {
        using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var answer = ReceiveOutcomeAsync(call, cancellationToken);
        _ = answer.ContinueWith(_ => stopSending.Cancel(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            // The inside checks every chunk and answers at once, so the source is checked by its metadata only.
            await prepared.EmitAsync(sink, progress, stopSending.Token, rehashSource: false).ConfigureAwait(false);
        }
        catch (SyncException e) when (e.InnerException is not RpcException { StatusCode: StatusCode.DeadlineExceeded })
        {
            // (An inside that stopped reading is not told: the abort would wait behind the stalled frames.)
            await AbortAsync(peer, e.Message, busy: false, cancellationToken).ConfigureAwait(false);
            throw;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The inside may have answered (refused early) and closed its side while we were sending: its answer
            // says why. Without an answer the link was lost, and the send error is the reason.
            if (await Task.WhenAny(answer, Task.Delay(TimeSpan.FromSeconds(5), cancellationToken)).ConfigureAwait(false) != answer ||
                !answer.IsCompletedSuccessfully)
            {
                throw;
            }
        }

        return await peer.WithinLimitAsync(answer, "sent no answer after the last frame", cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Outcome> ReceiveOutcomeAsync(IPeerStream<OutsideMessage, InsideMessage> peer, CancellationToken cancellationToken)
    {
        var message = await peer.ReceiveAsync(cancellationToken).ConfigureAwait(false);
        if (message?.BodyCase == InsideMessage.BodyOneofCase.Outcome)
        {
            message.Outcome.Message = PeerText.Clean(message.Outcome.Message);
        }

        return message?.BodyCase == InsideMessage.BodyOneofCase.Outcome
            ? message.Outcome
            : throw new SyncException(
                SyncErrorKind.Failure,
                message is null
                    ? $"{peer.Peer} closed the connection without an answer; the generation may be incomplete there (a new push resumes it)"
                    : $"{peer.Peer} sent {message.BodyCase} instead of an outcome");
    }

    private async Task AbortAsync(IPeerStream<OutsideMessage, InsideMessage> peer, string reason, bool busy, CancellationToken cancellationToken)
    {
        try
        {
            await peer.SendAsync(new OutsideMessage { Abort = new Abort { Reason = reason, Busy = busy } }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Best effort: the caller throws its own reason next, whatever happened here.
            _logger.LogDebug("Could not tell {Peer} we gave up: {Reason}", peer.Peer, e.Message);
        }
    }
}

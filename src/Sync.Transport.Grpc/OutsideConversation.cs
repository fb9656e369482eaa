using System.Globalization;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Core.Export;
using Sync.Engine.Outside;
using Sync.Protocol.V1;

namespace Sync.Transport.Grpc;

/// <summary>
/// The gRPC carrier as the outside's engine drives it, for one sync: say hello and hear what the inside publishes and
/// kept from a cut transfer, then either tell it that it is up to date or stream exactly the rest, and bring back its
/// answer. The engine commits only on the answer "published" (<see cref="CommitPolicy.OnAcknowledged"/>). Whatever
/// ends the sync early is told to the inside in an abort, when it can still hear it.
/// </summary>
/// <param name="call">The bare call: the answer is awaited on it while frames go out (see <see cref="SendAndAwaitOutcomeAsync"/>).</param>
/// <param name="peer">The same call, every wait bounded by the idle timeout.</param>
/// <param name="started">When the sync began (a <see cref="TimeProvider"/> timestamp): the summary's rate counts from there.</param>
internal sealed class OutsideConversation(
    IPeerStream<OutsideMessage, InsideMessage> call, IdleLimitedPeerStream<OutsideMessage, InsideMessage> peer, OutsideSource source, ILogger logger,
    TimeProvider time, long started) : IGenerationCarrier
{
    /// <summary>What the summary says when the inside is current; the generation comes from its answer.</summary>
    private const string UpToDate = "the inside is up to date; nothing sent";

    private GrpcDeltaSink? _sink;

    public CommitPolicy Policy => CommitPolicy.OnAcknowledged;

    /// <summary>Bytes of delta stream sent, also when the sync failed: what a cut cost.</summary>
    public long BytesSent => _sink?.BytesSent ?? 0;

    public async Task<CarrierStart> StartAsync(OutsideState state, CancellationToken cancellationToken)
    {
        await peer.SendAsync(
            new OutsideMessage
            {
                Hello = new Hello { ProtocolVersion = GrpcLimits.ProtocolVersion, KeyId = ByteString.CopyFrom(source.Key.KeyId), Agent = "sync-outside" },
            },
            cancellationToken).ConfigureAwait(false);
        (InsideHoldings Held, Outcome? Outcome) holdings;
        try
        {
            holdings = await HoldingsReader.ReadAsync(peer, state, time, logger, cancellationToken).ConfigureAwait(false);
        }
        catch (SyncException e) when (e.Kind == SyncErrorKind.Refused)
        {
            await AbortAsync(e, cancellationToken).ConfigureAwait(false);
            throw;
        }

        return holdings.Outcome is { } early
            ? new CarrierStart(Ended: new CarrierReport(UpToDate, Outcomes.ToAnswer(early)))
            : new CarrierStart(holdings.Held);
    }

    public async Task<CarrierReport> UpToDateAsync(ExportSummary summary, CancellationToken cancellationToken)
    {
        await peer.SendAsync(new OutsideMessage { UpToDate = new UpToDate { Generation = (ulong)summary.Generation } }, cancellationToken).ConfigureAwait(false);
        var answer = await ReceiveOutcomeAsync(peer, cancellationToken).ConfigureAwait(false);
        return new CarrierReport(UpToDate, Outcomes.ToAnswer(answer));
    }

    public async Task<CarrierReport> EmitAsync(PreparedExport prepared, EmissionRecord record, OperationProgress progress, CancellationToken cancellationToken)
    {
        record.Sending();
        var pacer = source.MaxBitsPerSecond is { } rate ? new SendPacer(rate, time) : null;
        var sink = _sink = new GrpcDeltaSink(peer, pacer);
        var outcome = await SendAndAwaitOutcomeAsync(prepared, sink, progress, cancellationToken).ConfigureAwait(false);
        var seconds = Math.Max(time.GetElapsedTime(started).TotalSeconds, 1e-6);
        return new CarrierReport(
            string.Create(CultureInfo.InvariantCulture,
                $"{sink.BytesSent} bytes sent ({ByteCount.Format(sink.BytesSent)}) in {seconds:F1} s ({ByteCount.Format((long)(sink.BytesSent / seconds))}/s)"),
            Outcomes.ToAnswer(outcome))
        {
            Suffix = "; published by the inside",
        };
    }

    public async Task AbortAsync(SyncException reason, CancellationToken cancellationToken)
    {
        try
        {
            await peer.SendAsync(new OutsideMessage { Abort = new Abort { Reason = reason.Message, Busy = reason.Kind == SyncErrorKind.Busy } }, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Best effort: the caller throws its own reason next, whatever happened here.
            GrpcLog.GiveUpNotTold(logger, peer.Peer, e.Message);
        }
    }

    /// <summary>
    /// Streams the generation while listening for the inside: an inside that refuses early (bad key, replay) answers
    /// before the end, and the rest is not sent.
    /// </summary>
    /// <remarks>
    /// The answer is awaited on the bare call while frames go out (sending a large generation takes longer than any
    /// idle timeout), then for at most the idle timeout after the last frame: the inside publishes meanwhile. If it
    /// does so later still, the next sync finds the generation among those sent.
    /// </remarks>
    private async Task<Outcome> SendAndAwaitOutcomeAsync(PreparedExport prepared, GrpcDeltaSink sink, OperationProgress progress, CancellationToken cancellationToken)
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
            await AbortAsync(e, cancellationToken).ConfigureAwait(false);
            throw;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The inside may have answered (refused early) and closed its side while we were sending: its answer
            // says why, and so does the failed wait for it (the inside closed, or sent something else). Without
            // either the link was lost, and the send error is the reason.
            if (await Task.WhenAny(answer, Task.Delay(TimeSpan.FromSeconds(5), time, cancellationToken)).ConfigureAwait(false) != answer ||
                answer.IsCanceled)
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
}

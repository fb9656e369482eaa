using System.Diagnostics;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Core.Export;
using Sync.Core.Hashing;
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
        IPeerStream<OutsideMessage, InsideMessage> peer, OutsideSource source, OperationProgress progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var hold = _gate.TryEnter(peer.Peer, _time);
        if (hold is null)
        {
            await AbortAsync(peer, $"the outside is busy serving {_gate.Holder}; try again when it is done", busy: true, cancellationToken).ConfigureAwait(false);
            throw SyncException.Busy($"the outside is serving {_gate.Holder}");
        }

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
            var holdings = await ReceiveHoldingsAsync(peer, state, cancellationToken).ConfigureAwait(false);
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

            state.RememberSent(prepared.ManifestBytes, prepared.ManifestDigest);
            var pacer = source.MaxBitsPerSecond is { } rate ? new SendPacer(rate, _time) : null;
            var sink = _sink = new GrpcDeltaSink(peer, pacer);
            var outcome = await SendAndAwaitOutcomeAsync(peer, prepared, sink, progress, cancellationToken).ConfigureAwait(false);
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
    private async Task<Outcome> SendAndAwaitOutcomeAsync(
        IPeerStream<OutsideMessage, InsideMessage> peer, PreparedExport prepared, GrpcDeltaSink sink, OperationProgress progress, CancellationToken cancellationToken)
    {
        using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var answer = ReceiveOutcomeAsync(peer, cancellationToken);
        _ = answer.ContinueWith(_ => stopSending.Cancel(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            // The inside checks every chunk and answers at once, so the source is checked by its metadata only.
            await prepared.EmitAsync(sink, progress, stopSending.Token, rehashSource: false).ConfigureAwait(false);
        }
        catch (SyncException e)
        {
            await AbortAsync(peer, e.Message, busy: false, cancellationToken).ConfigureAwait(false);
            throw;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The inside may have answered (refused early) and closed its side while we were sending: its answer
            // says why, and so does the failed wait for it (the inside closed, or sent something else). Without
            // either the link was lost, and the send error is the reason.
            if (await Task.WhenAny(answer, Task.Delay(TimeSpan.FromSeconds(5), cancellationToken)).ConfigureAwait(false) != answer ||
                answer.IsCanceled)
            {
                throw;
            }
        }

        return await answer.ConfigureAwait(false);
    }

    private async Task<(InsideHoldings Held, Outcome? Outcome)> ReceiveHoldingsAsync(
        IPeerStream<OutsideMessage, InsideMessage> peer, OutsideState state, CancellationToken cancellationToken)
    {
        long generation = 0;
        var digest = string.Empty;
        var contents = new HashSet<Digest>();
        var chunks = new HashSet<Digest>();
        var first = true;
        while (true)
        {
            var message = await peer.ReceiveAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new SyncException(SyncErrorKind.Failure, $"{peer.Peer} closed the stream before saying what it holds");
            if (message.BodyCase == InsideMessage.BodyOneofCase.Outcome)
            {
                return (InsideHoldings.Nothing, message.Outcome);
            }

            if (message.BodyCase != InsideMessage.BodyOneofCase.Holdings)
            {
                throw SyncException.Refused($"{peer.Peer} sent {message.BodyCase} instead of its holdings");
            }

            var h = message.Holdings;
            if (first)
            {
                generation = (long)h.PublishedGeneration;
                digest = Convert.ToHexStringLower(h.PublishedManifestDigest.Span);
                first = false;
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

        byte[]? manifest = null;
        if (generation > 0)
        {
            manifest = state.FindManifest(generation, digest);
            if (manifest is null)
            {
                _logger.LogWarning(
                    "The inside publishes generation {Generation} (manifest {Digest}), which this outside has no record of; sending a full generation",
                    generation, digest[..Math.Min(12, digest.Length)]);
            }
        }

        if (contents.Count + chunks.Count > 0)
        {
            _logger.LogInformation("{Peer} kept {Contents} contents and {Chunks} chunks from a cut transfer; they are not sent again", peer.Peer, contents.Count, chunks.Count);
        }

        return (new InsideHoldings(generation, manifest, contents, chunks), null);
    }

    private static Digest ParseDigest(ByteString bytes, IPeerStream<OutsideMessage, InsideMessage> peer) => bytes.Length == Digest.Size
        ? Digest.FromBytes(bytes.Span)
        : throw SyncException.Refused($"{peer.Peer} sent a held digest of {bytes.Length} bytes");

    private static async Task<Outcome> ReceiveOutcomeAsync(IPeerStream<OutsideMessage, InsideMessage> peer, CancellationToken cancellationToken)
    {
        var message = await peer.ReceiveAsync(cancellationToken).ConfigureAwait(false);
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
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _logger.LogDebug("Could not tell {Peer} we gave up: {Reason}", peer.Peer, e.Message);
        }
    }
}

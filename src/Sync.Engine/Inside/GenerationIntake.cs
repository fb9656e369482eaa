using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Streams;
using Sync.Core.Trust;

namespace Sync.Engine.Inside;

/// <summary>
/// What is this? The inside's one way in for a generation, whatever carried it. A carrier that holds several
/// complete candidates (bundles in a folder, streams in the UDP inbox) hands them to <see cref="ApplyInOrderAsync"/>,
/// which takes them in generation order: skip what was applied, verify the carrier's envelope, admit the header
/// (trust, format, replay, order, base), apply through <see cref="StreamApplier"/> (stage, verify, publish; the
/// verify-damage re-check and the journal are its), and record the outcome in <see cref="Status"/>. A carrier whose
/// inside answers at once (gRPC) hands its one stream to <see cref="ApplyStreamAsync"/>, with a resume store.
/// One intake per run, on one task; it works in an <see cref="InsideState"/> its caller opened (and holds locked).
/// </summary>
public sealed class GenerationIntake(IWireCodec codec, TrustStore trust, InsideState state, IntakeTarget target, ILogger logger, TimeProvider time)
{
    private readonly StreamApplier _applier = new(codec, trust, logger, time) { Settings = target.Settings };
    private readonly HeaderAdmission _admission = new(codec, trust);

    public InsideState State { get; } = state;

    public IntakeStatus Status { get; } = new(state, time);

    /// <summary>Finishes or rolls back an interrupted apply and checks the target; call once, before anything is applied.</summary>
    public async Task PrepareAsync(CancellationToken cancellationToken)
    {
        await _applier.PrepareAsync(State, target.Target, target.Mode, cancellationToken).ConfigureAwait(false);
        InsideMetrics.SetPublished(State.Published.Generation);
    }

    /// <summary>As <see cref="PrepareAsync(CancellationToken)"/>, first keeping in <paramref name="resume"/> what a cut receive staged.</summary>
    public async Task PrepareAsync(ResumeStore resume, CancellationToken cancellationToken)
    {
        await _applier.PrepareAsync(State, target.Target, target.Mode, resume, cancellationToken).ConfigureAwait(false);
        InsideMetrics.SetPublished(State.Published.Generation);
    }

    /// <summary>
    /// Applies one stream whose header is admitted as it arrives (an answering carrier: the outside planned it against
    /// what this inside said it holds). The status records it as applied, waiting or refused; errors are rethrown.
    /// </summary>
    public async Task<ReceivedGeneration> ApplyStreamAsync(IDeltaSource source, OperationProgress progress, ResumeStore? resume, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        try
        {
            var received = await _applier.ApplyAsync(source, State, target.Target, target.Mode, target.KeepSnapshots, progress, cancellationToken, resume: resume)
                .ConfigureAwait(false);
            Status.RecordApplied(received.Header.StreamIdHex);
            InsideMetrics.Applied(received.Header.TargetGeneration, received.BytesReceived, received.ContentsReceived, time.GetElapsedTime(started));
            InsideMetrics.Succeeded(time.GetUtcNow());
            InsideMetrics.SetWaiting(0);
            return received;
        }
        catch (SyncException e) when (e.Kind is SyncErrorKind.MissingBase or SyncErrorKind.Refused)
        {
            if (e.Kind == SyncErrorKind.Refused)
            {
                Status.Refuse(e.Message, e.Refusal);
                CountFailure(e);
            }

            InsideMetrics.SetWaiting(e.Kind == SyncErrorKind.MissingBase ? 1 : 0);
            Status.SetPending(e.Kind == SyncErrorKind.MissingBase ? [StatusNote.Pending(PendingKind.MissingBase, e.Message)] : []);
            TryWriteStatus();
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            CountEnd(e);
            throw;
        }
    }

    /// <summary>
    /// Applies every candidate that fits on top of what is published, lowest generation first (a full stream before a
    /// delta of the same generation). After each publish the rest is looked at again: a delta may fit now, and what
    /// the publish superseded goes. Writes the status at the end.
    /// </summary>
    public async Task<IntakeRound> ApplyInOrderAsync(
        IEnumerable<IIntakeCandidate> candidates, IntakeMode mode, OperationProgress progress, CancellationToken cancellationToken)
    {
        var round = new IntakeRound();
        // Stable: candidates that claim the same generations keep the carrier's order.
        var open = candidates.OrderBy(c => c.Claim?.Generation ?? -1).ThenBy(c => c.Claim?.BaseGeneration ?? -1).ToList();
        var progressed = true;
        while (progressed)
        {
            progressed = false;
            round.StartPass();
            foreach (var candidate in open.ToList())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var fate = await TakeAsync(candidate, mode, round, progress, cancellationToken).ConfigureAwait(false);
                if (fate is not (CandidateFate.Waiting or CandidateFate.Kept))
                {
                    open.Remove(candidate);
                }

                if (fate == CandidateFate.Applied)
                {
                    progressed = true;
                    break;
                }
            }
        }

        Status.SetPending(round.PendingNotes);
        Status.Write();
        InsideMetrics.SetWaiting(round.Pending.Count);
        if (round.Refused.Count == 0 && !round.Failed)
        {
            InsideMetrics.Succeeded(time.GetUtcNow());
        }

        return round;
    }

    private async Task<CandidateFate> TakeAsync(
        IIntakeCandidate candidate, IntakeMode mode, IntakeRound round, OperationProgress progress, CancellationToken cancellationToken)
    {
        AppliedGeneration? applied = null;
        CandidateFate fate;
        try
        {
            applied = await TryApplyAsync(candidate, progress, cancellationToken).ConfigureAwait(false);
            fate = applied is null ? CandidateFate.AlreadyApplied : CandidateFate.Applied;
            if (applied is not null)
            {
                round.Add(applied);
            }
        }
        catch (SyncException e) when (mode == IntakeMode.Service && e.AboutTarget)
        {
            // The inside's own tree stops it (local changes, reprepro's lock), not the input: kept, and tried again in
            // the next round (a receiver's next arrival or restart); status lists why until then.
            round.Wait(Note(candidate, PendingKind.TargetBlocked, e));
            round.Fail();
            CountFailure(e);
            EngineLog.KeptAfterFailure(logger, candidate.What, e.Message);
            fate = CandidateFate.Kept;
        }
        catch (SyncException e) when (e.Kind == SyncErrorKind.MissingBase)
        {
            // A delta above what is published waits for its base; anything else waiting lacks a part of itself.
            var kind = candidate.Claim is { BaseGeneration: > 0 } waiting && waiting.BaseGeneration > State.Published.Generation
                ? PendingKind.MissingBase
                : PendingKind.MissingPart;
            round.Wait(Note(candidate, kind, e));
            fate = CandidateFate.Waiting;
        }
        catch (SyncException e) when (e.Kind == SyncErrorKind.Refused || (mode == IntakeMode.Service && e.Kind == SyncErrorKind.Usage))
        {
            // It can never apply here; what is published was not touched.
            fate = mode == IntakeMode.Service && candidate.Claim is { } claim && claim.Generation <= State.Published.Generation
                ? CandidateFate.Superseded
                : Refused(e, candidate.Claim, mode, round);
        }
        catch (Exception e) when (mode == IntakeMode.Service && IsDiskTrouble(e))
        {
            // Kept for the next round: a receiver never ends on a full or failing disk, and what is published is intact.
            round.Wait(Note(candidate, PendingKind.Storage, e));
            round.Fail();
            CountFailure(e);
            EngineLog.KeptAfterFailure(logger, candidate.What, e.Message);
            fate = CandidateFate.Kept;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A one-shot import ends here (the command says why); counted first, so its metrics file says so too, and
            // a failure of the inside's own (its disk, its tree) is listed as what waits, so status says why.
            CountEnd(e);
            if (e is SyncException { AboutTarget: true } || IsDiskTrouble(e))
            {
                Status.SetPending([.. round.PendingNotes, Note(candidate, e is SyncException { AboutTarget: true } ? PendingKind.TargetBlocked : PendingKind.Storage, e)]);
                TryWriteStatus();
            }

            throw;
        }

        candidate.Settle(fate, applied);
        return fate;
    }

    /// <summary>Null when the candidate was applied before.</summary>
    private async Task<AppliedGeneration?> TryApplyAsync(IIntakeCandidate candidate, OperationProgress progress, CancellationToken cancellationToken)
    {
        if ((candidate.Claim is { } claim && Status.WasApplied(claim.StreamIdHex)) ||
            (candidate.NamedStreamPrefix is { } prefix && Status.WasAppliedWithPrefix(prefix)))
        {
            // Also when its key is no longer trusted (a retired key): skipping acts on nothing. A renamed file gains
            // nothing: a stream this inside applied, or any of its generation or older, could only be refused as a replay.
            return null;
        }

        var announced = await candidate.ReadHeaderAsync(cancellationToken).ConfigureAwait(false);
        if (announced.Envelope is { } envelope)
        {
            trust.Verify(envelope, candidate.What);
        }

        var admission = _admission.Admit(announced.Header, State.Published, candidate.What, Status.WasApplied);
        if (admission.Verdict is AdmissionVerdict.Accept or AdmissionVerdict.WaitForBase)
        {
            // Signed by a trusted key: a claim alone (a file name, an unverified index) never moves the lag.
            InsideMetrics.Known(admission.Header!.TargetGeneration);
        }

        switch (admission.Verdict)
        {
            case AdmissionVerdict.AlreadyApplied:
                return null;
            case AdmissionVerdict.WaitForBase:
                throw SyncException.MissingBase(admission.Reason!);
            case AdmissionVerdict.Refused:
                throw admission.Refuse();
        }

        var header = admission.Header!;
        var before = State.Published.Generation;
        var started = time.GetTimestamp();
        var source = await candidate.OpenAsync(cancellationToken).ConfigureAwait(false);
        ReceivedGeneration received;
        try
        {
            received = await _applier.ApplyAsync(source, State, target.Target, target.Mode, target.KeepSnapshots, progress, cancellationToken, header.StreamId)
                .ConfigureAwait(false);
        }
        finally
        {
            await DisposeAsync(source).ConfigureAwait(false);
        }

        Status.RecordApplied(header.StreamIdHex);
        InsideMetrics.Applied(header.TargetGeneration, received.BytesReceived, received.ContentsReceived, time.GetElapsedTime(started));
        EngineLog.Applied(logger, candidate.What, header.TargetGeneration);
        return new AppliedGeneration(candidate.What, received.Header, before, received.ContentsReceived, received.BytesReceived, time.GetElapsedTime(started))
        {
            Overwritten = _applier.Publisher.Overwritten,
        };
    }

    private StatusNote Note(IIntakeCandidate candidate, PendingKind kind, Exception e) =>
        StatusNote.Pending(kind, candidate.Pending(e, State.Published), candidate.Claim?.Generation, candidate.Claim?.BaseGeneration);

    private CandidateFate Refused(SyncException e, CandidateClaim? claim, IntakeMode mode, IntakeRound round)
    {
        var reason = e.Message;
        CountFailure(e);
        round.Refuse(reason);
        Status.Refuse(StatusNote.Refused(e.Refusal, reason, claim?.Generation, claim?.BaseGeneration));
        if (mode == IntakeMode.Service)
        {
            EngineLog.Refused(logger, reason); // a service has no stderr line of its own for it
        }

        return CandidateFate.Refused;
    }

    /// <summary>Counts a refusal by its reason; a failure of the inside's own also makes the health check say it cannot apply.</summary>
    private void CountFailure(Exception e)
    {
        if (e is SyncException { Kind: SyncErrorKind.Refused, AboutTarget: false })
        {
            InsideMetrics.Refused(InsideMetrics.ReasonLabel(e), time.GetUtcNow());
        }
        else
        {
            InsideMetrics.Failed(e, time.GetUtcNow());
        }
    }

    /// <summary>
    /// An apply that ended otherwise: a failure of the inside's own (its disk, its tree) counts as one; anything else
    /// (a cut link, an outside that gave up) only as the time of the last failure, so the health check does not
    /// report a lost connection as an inside that cannot apply.
    /// </summary>
    private void CountEnd(Exception e)
    {
        if (e is SyncException { AboutTarget: true } or SyncException { Kind: SyncErrorKind.Storage } or UnauthorizedAccessException || Sync.Core.Posix.Posix.IsDiskFull(e))
        {
            CountFailure(e);
        }
        else
        {
            InsideMetrics.SyncFailed(time.GetUtcNow());
        }
    }

    private static bool IsDiskTrouble(Exception e) =>
        e is IOException or UnauthorizedAccessException || e is SyncException { Kind: SyncErrorKind.Storage };

    private static async ValueTask DisposeAsync(IDeltaSource source)
    {
        switch (source)
        {
            case IAsyncDisposable asyncDisposable:
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
                break;
            case IDisposable disposable:
                disposable.Dispose();
                break;
        }
    }

    private void TryWriteStatus()
    {
        try
        {
            Status.Write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a report: the failure being reported matters more.
            EngineLog.StatusNotWritten(logger, e.Message);
        }
    }
}

using System.Globalization;
using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Core.Export;
using Sync.Core.Scanning;
using Sync.Core.Streams;

namespace Sync.Engine.Outside;

/// <summary>
/// What is this? The outside's one sequence, whatever the carrier: open the state (which resolves an interrupted
/// emission from its own record), let the carrier start (an answering inside says what it holds; an owed index is
/// delivered again), scan and plan against that or the last emission, emit through the carrier, and commit by the
/// carrier's <see cref="CommitPolicy"/>. The summary line goes to the caller's output; the exit code and the one-line
/// error come back in the <see cref="PublishOutcome"/>. One run per call, on the caller's task; the state's lock is
/// held for the whole run and released before it returns.
/// </summary>
public sealed class GenerationPublisher(IWireCodec codec, ILogger logger, TimeProvider time)
{
    private readonly DeltaExporter _exporter = new(codec, logger, time);

    /// <summary>Scans the source (refreshing the cache) and counts what changed since the last emission, without emitting.</summary>
    public async Task<ExportSummary> ScanAsync(string source, string stateDirectory, ExportOptions options, OperationProgress progress, CancellationToken cancellationToken)
    {
        using var state = Open(stateDirectory);
        return await _exporter.ScanOnlyAsync(SourceRoot.Resolve(source), state, options, progress, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One run; its end is recorded in <see cref="OutsideMetrics"/> (a stop is neither a success nor a failure).</summary>
    public async Task<PublishOutcome> PublishAsync(
        GenerationSource source, IGenerationCarrier carrier, TextWriter output, OperationProgress progress, CancellationToken cancellationToken)
    {
        PublishOutcome outcome;
        try
        {
            outcome = await PublishCoreAsync(source, carrier, output, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            OutsideMetrics.Failed(time.GetUtcNow());
            throw;
        }

        if (outcome.ExitCode == 0)
        {
            OutsideMetrics.Succeeded(time.GetUtcNow());
        }
        else
        {
            OutsideMetrics.Failed(time.GetUtcNow());
        }

        return outcome;
    }

    private async Task<PublishOutcome> PublishCoreAsync(
        GenerationSource source, IGenerationCarrier carrier, TextWriter output, OperationProgress progress, CancellationToken cancellationToken)
    {
        OutsideState state;
        try
        {
            state = Open(source.StateDirectory);
        }
        catch (SyncException e)
        {
            await carrier.AbortAsync(e, cancellationToken).ConfigureAwait(false);
            throw;
        }

        using (state)
        {
            OutsideMetrics.SetGeneration(state.Current.Generation);
            var start = await carrier.StartAsync(state, cancellationToken).ConfigureAwait(false);
            if (start.Note is { } note)
            {
                output.WriteLine(note);
            }

            if (start.Ended is { } ended)
            {
                return Conclude(null, ended, output);
            }

            using var prepared = await PrepareOrAbortAsync(source, state, carrier, start, progress, cancellationToken).ConfigureAwait(false);

            if (prepared.NothingChanged)
            {
                var unchanged = await carrier.UpToDateAsync(prepared.Summary, cancellationToken).ConfigureAwait(false);
                return Conclude(prepared.Summary, unchanged, output);
            }

            // Marks the scan's and plan's end in the log: what a streaming carrier's first byte is timed from.
            EngineLog.Planned(logger, prepared.Header.TargetGeneration, prepared.Summary.FilesNew + prepared.Summary.FilesChanged + prepared.Summary.FilesRemoved, prepared.Summary.PayloadBytes);
            var record = new EmissionRecord(prepared, state, carrier.Policy);
            CarrierReport report;
            try
            {
                report = await carrier.EmitAsync(prepared, record, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception) when (record.IsRecorded && !record.IsVisible)
            {
                // Recorded, but no inside can hold any of it: the next delta builds on the old base again.
                prepared.Abandon(state);
                EngineLog.Abandoned(logger, prepared.Header.TargetGeneration);
                throw;
            }

            return Commit(prepared, record, state, carrier.Policy, report, output);
        }
    }

    private async Task<PreparedExport> PrepareOrAbortAsync(
        GenerationSource source, OutsideState state, IGenerationCarrier carrier, CarrierStart start, OperationProgress progress, CancellationToken cancellationToken)
    {
        try
        {
            return await _exporter.PrepareAsync(SourceRoot.Resolve(source.Source), state, source.Key, source.Options, start.Holdings, progress, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (SyncException e)
        {
            await carrier.AbortAsync(e, cancellationToken).ConfigureAwait(false);
            throw;
        }
    }

    private OutsideState Open(string stateDirectory)
    {
        var state = OutsideState.Open(stateDirectory);
        if (state.RecoveryNote is { } note)
        {
            EngineLog.RecoveryNote(logger, note);
        }

        return state;
    }

    private PublishOutcome Commit(
        PreparedExport prepared, EmissionRecord record, OutsideState state, CommitPolicy policy, CarrierReport report, TextWriter output)
    {
        var generation = prepared.Header.TargetGeneration;
        OutsideMetrics.Emitted(prepared.Summary.PayloadBytes, prepared.Summary.ContentsSent);
        if (policy == CommitPolicy.OnAcknowledged)
        {
            var answer = report.Answer ?? throw new InvalidOperationException("a carrier whose inside answers reported no answer");
            if (answer.Status == InsideAnswerStatus.Published && answer.Generation == generation)
            {
                prepared.Commit(state, time.GetUtcNow());
                OutsideMetrics.SetGeneration(state.Current.Generation);
                EngineLog.Committed(logger, generation, policy.ToString());
            }
            else
            {
                // The number is used up all the same (PreparedExport recorded it as sent); the inside's holdings say next time what it has.
                EngineLog.NotCommitted(logger, generation, answer.Status.ToString());
            }

            return Conclude(prepared.Summary, report, output);
        }

        if (!record.IsVisible)
        {
            throw new InvalidOperationException($"the carrier reported generation {generation} emitted but never made it visible");
        }

        prepared.Commit(state, time.GetUtcNow());
        OutsideMetrics.SetGeneration(state.Current.Generation);
        EngineLog.Committed(logger, generation, policy.ToString());
        WriteSummary(prepared.Summary, report, output);
        return new PublishOutcome(policy == CommitPolicy.OnIndexWritten ? PublishStatus.Delivered : PublishStatus.Sent, 0, prepared.Summary, report, null);
    }

    /// <summary>The end of a run that emitted nothing, or whose inside answered.</summary>
    private static PublishOutcome Conclude(ExportSummary? summary, CarrierReport report, TextWriter output)
    {
        switch (report.Answer)
        {
            case null when summary is { NothingChanged: true }:
            case { Status: InsideAnswerStatus.NothingNew }:
                output.WriteLine($"generation {report.Answer?.Generation ?? summary!.Generation}: {report.Moved}");
                return new PublishOutcome(PublishStatus.UpToDate, 0, summary, report, report.Answer);
            case { Status: InsideAnswerStatus.Published } when summary is { NothingChanged: false }:
                WriteSummary(summary, report, output);
                return new PublishOutcome(PublishStatus.Published, 0, summary, report, report.Answer);
            case { } answer:
                return new PublishOutcome(PublishStatus.NotPublished, (int)answer.Kind, summary, report, answer)
                {
                    Error = $"the inside did not publish: {answer.Message}",
                };
            default:
                throw new InvalidOperationException("a carrier ended a sync without an answer or a reason");
        }
    }

    /// <summary>"manifest 1234 bytes" whole, or "manifest 66000000 bytes as a 412000-byte patch" for a delta.</summary>
    private static string ManifestText(ExportSummary s) => s.ManifestWireBytes < s.ManifestBytes
        ? string.Create(CultureInfo.InvariantCulture, $"manifest {s.ManifestBytes} bytes as a {s.ManifestWireBytes}-byte patch")
        : string.Create(CultureInfo.InvariantCulture, $"manifest {s.ManifestBytes} bytes");

    /// <summary>", 6 rebuilt by recompression" when the inside rebuilds compressed indices from their plain text, else nothing.</summary>
    private static string RecompressText(ExportSummary s) =>
        s.ContentsRecompressed == 0 ? string.Empty : string.Create(CultureInfo.InvariantCulture, $", {s.ContentsRecompressed} rebuilt by recompression");

    private static void WriteSummary(ExportSummary s, CarrierReport report, TextWriter output)
    {
        var from = s.BaseGeneration == 0 ? "full" : $"delta from {s.BaseGeneration}";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"generation {s.Generation} ({from}): files {s.FilesNew} new, {s.FilesChanged} changed, {s.FilesRemoved} removed; " +
            $"{report.Moved}; {s.ContentsSent} contents, {s.ContentsPatched} as byte deltas{RecompressText(s)}; {ManifestText(s)}{report.Suffix}"));
        foreach (var line in report.Details)
        {
            output.WriteLine(line);
        }
    }
}

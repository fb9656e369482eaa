using Microsoft.Extensions.Logging;
using Sync.Core.Apply;
using Sync.Core.Apt;
using Sync.Core.Manifests;
using Sync.Core.Scanning;

namespace Sync.Core.Export;

/// <summary>
/// What is this? The outside's consistency guard around the scan, so no generation is signed from a tree in the
/// middle of a reprepro update: it waits (up to <see cref="ExportOptions.LockTimeout"/>, then exit 6) while reprepro
/// holds a base's db/lockfile, scans, scans again if reprepro took a lock meanwhile, and then checks the APT chain
/// (<see cref="AptConsistency"/>). An inconsistent tree is polled until <see cref="ExportOptions.ConsistencyWait"/>
/// ends and then refused (exit 3) with one line naming the first inconsistency. The outside only reads the source
/// (it may be a read-only mount), so it waits for reprepro's lock rather than taking it; a reprepro run that starts
/// after the last look is caught by the chain check or by the scan's own "changed while read" check.
/// Runs on the exporting command's task.
/// </summary>
internal sealed class SourceGuard(ILogger logger, TimeProvider time)
{
    private static readonly TimeSpan LockPoll = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan CheckPoll = TimeSpan.FromSeconds(5);

    public async Task<ScanResult> ScanConsistentAsync(
        string source, ExportOptions options, Func<CancellationToken, Task<ScanResult>> scan, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        IReadOnlyList<string> locks = File.Exists(Path.Combine(source, "conf", "distributions")) ? ["db/lockfile"] : [];
        while (true)
        {
            await WaitForLocksAsync(source, locks, started, options.LockTimeout, cancellationToken).ConfigureAwait(false);
            var result = await scan(cancellationToken).ConfigureAwait(false);
            locks = HeldLocks(source, result);
            if (locks.Count > 0)
            {
                CoreLog.LockTakenDuringScan(logger, locks[0]);
                continue;
            }

            if (!options.ConsistencyCheck)
            {
                CoreLog.ConsistencyNotChecked(logger);
                return result;
            }

            var checkStarted = time.GetTimestamp();
            var report = AptConsistency.Check(source, result, cancellationToken);
            var checkMs = time.GetElapsedTime(checkStarted).TotalMilliseconds;
            if (!report.IsRepository)
            {
                CoreLog.NotAnAptRepository(logger);
                return result;
            }

            foreach (var note in report.Notes)
            {
                CoreLog.ConsistencyNote(logger, note);
            }

            if (report.IsConsistent)
            {
                CoreLog.ConsistencyChecked(logger, report.ReleaseFiles, report.IndicesChecked, report.PoolFilesChecked, checkMs);
                return result;
            }

            var waited = time.GetElapsedTime(started);
            foreach (var problem in report.Problems.Take(20))
            {
                CoreLog.Inconsistency(logger, problem);
            }

            if (waited >= options.ConsistencyWait)
            {
                var after = options.ConsistencyWait > TimeSpan.Zero ? $" after waiting {Units(options.ConsistencyWait)}" : string.Empty;
                throw SyncException.Refused(
                    $"source is not a consistent APT repository{after}: {report.Summary}; nothing was signed " +
                    "(reprepro may be mid-update: run again, wait with --wait, or pass --no-consistency-check for a tree that is not APT-consistent)");
            }

            CoreLog.NotConsistentYet(logger, report.Summary, CheckPoll.TotalSeconds);
            var left = options.ConsistencyWait - waited;
            await Task.Delay(left < CheckPoll ? left : CheckPoll, time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The lock files of the scanned reprepro bases that exist now, those the scan passed over first.</summary>
    private static List<string> HeldLocks(string source, ScanResult result)
    {
        var known = RepreproLocks.LockFiles(new Manifest(0, DateTimeOffset.UnixEpoch, result.Entries));
        return result.Skipped.Where(p => p == "db/lockfile" || p.EndsWith("/db/lockfile", StringComparison.Ordinal))
            .Concat(known)
            .Distinct(StringComparer.Ordinal)
            .Where(p => File.Exists(Path.Combine(source, p)))
            .ToList();
    }

    private async Task WaitForLocksAsync(string source, IReadOnlyList<string> locks, long started, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var logged = false;
        while (locks.FirstOrDefault(p => File.Exists(Path.Combine(source, p))) is { } held)
        {
            if (time.GetElapsedTime(started) >= timeout)
            {
                throw SyncException.Busy(
                    $"reprepro holds '{Path.Join(source, held)}' (waited {Units(timeout)}); nothing was signed; run again when it is done, " +
                    "or raise --lock-timeout (a lock file no running reprepro holds is stale: remove it)");
            }

            if (!logged)
            {
                CoreLog.WaitingForLock(logger, held, Units(timeout));
                logged = true;
            }

            await Task.Delay(LockPoll, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Units(TimeSpan span) => span.TotalSeconds < 120 ? $"{span.TotalSeconds:0} s" : $"{span.TotalMinutes:0} min";
}

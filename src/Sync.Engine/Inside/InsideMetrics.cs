using System.Diagnostics.Metrics;
using Sync.Core;

namespace Sync.Engine.Inside;

/// <summary>
/// What is this? The inside's measurements, published through <see cref="System.Diagnostics.Metrics"/> (BCL only) so
/// the engine knows nothing of Prometheus; the agents' exporter (Sync.Hosting) listens to <see cref="MeterName"/>.
/// Process-wide like the meter itself: one agent process runs one inside. <see cref="GenerationIntake"/> records
/// here from whichever thread applies; carriers add what only they know (the newest generation they heard of).
/// The last failure is also what the gRPC health check reads.
/// </summary>
public static class InsideMetrics
{
    public const string MeterName = "Sync.Inside";

    private static readonly Meter s_meter = new(MeterName);
    private static readonly Counter<long> s_bytes = s_meter.CreateCounter<long>(
        "sync_inside_received_bytes_total", "By", "Content bytes received (chunks and byte deltas) for generations this process published.");

    private static readonly Counter<long> s_contents = s_meter.CreateCounter<long>(
        "sync_inside_received_contents_total", null, "Contents (whole files or byte deltas) received for generations this process published.");

    private static readonly Counter<long> s_published = s_meter.CreateCounter<long>(
        "sync_inside_generations_published_total", null, "Generations this process published.");

    private static readonly Counter<long> s_refused = s_meter.CreateCounter<long>(
        "sync_inside_refused_total", null, "Bundles, streams or announces refused or not applied, by reason.");

    private static readonly Histogram<double> s_applySeconds = s_meter.CreateHistogram(
        "sync_inside_apply_duration_seconds", "s", "Time from a generation's first byte to its publish.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 14400] });

    private static readonly object s_lock = new();
    private static long s_publishedGeneration;
    private static long s_newestKnown;
    private static long s_waiting;
    private static readonly TimestampGauge s_lastSuccess;
    private static readonly TimestampGauge s_lastFailure;
    private static ApplyFailure? s_failure;
    private static long s_lastNeededBytes;

    /// <summary>Every value the <c>reason</c> label takes, each counted from 0 so a first refusal shows as an increase.</summary>
    public static readonly IReadOnlyList<string> Reasons =
        ["signature", "replay", "out-of-order", "format", "corrupt", "other", "disk-full", "local-tree", "busy", "storage", "failure"];

    static InsideMetrics()
    {
        foreach (var reason in Reasons)
        {
            s_refused.Add(0, new KeyValuePair<string, object?>("reason", reason));
        }

        s_meter.CreateObservableGauge("sync_inside_published_generation", () => Volatile.Read(ref s_publishedGeneration), null,
            "The generation apt clients see (0: nothing published yet).");
        s_meter.CreateObservableGauge("sync_inside_newest_known_generation", () => Math.Max(Volatile.Read(ref s_newestKnown), Volatile.Read(ref s_publishedGeneration)), null,
            "The newest generation this inside has heard of: published, offered in a bundle, announced over UDP, or sent over gRPC.");
        s_meter.CreateObservableGauge("sync_inside_generation_lag", () => Math.Max(0, Volatile.Read(ref s_newestKnown) - Volatile.Read(ref s_publishedGeneration)), null,
            "Newest known generation minus the published one: generations heard of but not applied.");
        s_meter.CreateObservableGauge("sync_inside_waiting", () => Volatile.Read(ref s_waiting), null,
            "Bundles or streams held that wait (a missing base, parts still arriving, the inside's own tree in the way).");
        s_lastSuccess = new TimestampGauge(s_meter, "sync_inside_last_success_timestamp_seconds",
            "Unix time of the last sync that ended with nothing refused or failed: a generation published, or nothing new (0: never).");
        s_lastFailure = new TimestampGauge(s_meter, "sync_inside_last_failure_timestamp_seconds",
            "Unix time of the last refusal, failed apply, or sync that could not finish (0: never).");
        s_meter.CreateObservableGauge("sync_inside_last_apply_failed", () => LastFailure is null ? 0 : 1, null,
            "1 when the last apply failed for a reason of the inside's own (disk, local changes, a lock): it cannot apply until that is fixed.");
    }

    /// <summary>The last apply's failure, or null when the last one worked (or none failed): the health check's input.</summary>
    public static ApplyFailure? LastFailure
    {
        get
        {
            lock (s_lock)
            {
                return s_failure;
            }
        }
    }

    /// <summary>Content bytes the last published generation took: what the next one may need again, at least.</summary>
    public static long LastNeededBytes => Volatile.Read(ref s_lastNeededBytes);

    /// <summary>What is published now, read from the state when it is opened or published.</summary>
    public static void SetPublished(long generation) => Volatile.Write(ref s_publishedGeneration, generation);

    /// <summary>A carrier heard of this generation (it may not hold it).</summary>
    public static void Known(long generation)
    {
        long seen;
        while (generation > (seen = Volatile.Read(ref s_newestKnown)) && Interlocked.CompareExchange(ref s_newestKnown, generation, seen) != seen)
        {
        }
    }

    public static void SetWaiting(int count) => Volatile.Write(ref s_waiting, count);

    /// <summary>A generation was published by this process.</summary>
    public static void Applied(long generation, long bytes, int contents, TimeSpan elapsed)
    {
        SetPublished(generation);
        Known(generation);
        s_bytes.Add(bytes);
        s_contents.Add(contents);
        s_published.Add(1);
        s_applySeconds.Record(elapsed.TotalSeconds);
        Volatile.Write(ref s_lastNeededBytes, bytes);
        lock (s_lock)
        {
            s_failure = null;
        }
    }

    /// <summary>A sync ended with everything it was given applied, or nothing new.</summary>
    public static void Succeeded(DateTimeOffset at)
    {
        s_lastSuccess.Set(at);
        lock (s_lock)
        {
            s_failure = null;
        }
    }

    /// <summary>A sync that could not reach or finish with the outside (the link, not the input): only its time is kept.</summary>
    public static void SyncFailed(DateTimeOffset at) => s_lastFailure.Set(at);

    /// <summary>Input refused: counted by <paramref name="reason"/> (see <see cref="ReasonLabel"/>).</summary>
    public static void Refused(string reason, DateTimeOffset at)
    {
        s_refused.Add(1, new KeyValuePair<string, object?>("reason", reason));
        s_lastFailure.Set(at);
    }

    /// <summary>An apply failed for a reason of the inside's own: counted, and the health check says so until one works.</summary>
    public static void Failed(Exception e, DateTimeOffset at)
    {
        Refused(ReasonLabel(e), at);
        lock (s_lock)
        {
            s_failure = new ApplyFailure(e.Message, IsDiskFull(e), at);
        }
    }

    /// <summary>The <c>reason</c> label for an exception that ended an apply: a few fixed values, never the message.</summary>
    public static string ReasonLabel(Exception e) => e switch
    {
        _ when IsDiskFull(e) => "disk-full",
        SyncException { AboutTarget: true } => "local-tree",
        SyncException { Kind: SyncErrorKind.Refused } r => ReasonLabel(r.Refusal),
        SyncException { Kind: SyncErrorKind.Busy } => "busy",
        SyncException { Kind: SyncErrorKind.Storage } or IOException or UnauthorizedAccessException => "storage",
        _ => "failure",
    };

    public static string ReasonLabel(RefusalKind kind) => kind switch
    {
        RefusalKind.UntrustedKey or RefusalKind.BadSignature => "signature",
        RefusalKind.Replayed => "replay",
        RefusalKind.WrongBase => "out-of-order",
        RefusalKind.UnsupportedFormat => "format",
        RefusalKind.Damaged => "corrupt",
        RefusalKind.UnsafeEntry => "unsafe",
        _ => "other",
    };

    private static bool IsDiskFull(Exception e) =>
        Sync.Core.Posix.Posix.IsDiskFull(e) || (e is SyncException { Kind: SyncErrorKind.Storage } s && s.InnerException is { } inner && Sync.Core.Posix.Posix.IsDiskFull(inner));
}

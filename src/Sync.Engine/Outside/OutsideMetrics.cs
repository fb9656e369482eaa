using System.Diagnostics.Metrics;

namespace Sync.Engine.Outside;

/// <summary>
/// The outside's measurements through <see cref="System.Diagnostics.Metrics"/> (BCL only; the agents export them).
/// <see cref="GenerationPublisher"/> records one run at a time, whatever the carrier. Process-wide like the meter.
/// </summary>
public static class OutsideMetrics
{
    public const string MeterName = "Sync.Outside";

    private static readonly Meter s_meter = new(MeterName);

    private static readonly Counter<long> s_generations = s_meter.CreateCounter<long>(
        "sync_outside_generations_emitted_total", null, "Generations exported, sent or pushed by this process (a run with nothing new emits none).");

    private static readonly Counter<long> s_bytes = s_meter.CreateCounter<long>(
        "sync_outside_payload_bytes_total", "By", "Delta payload bytes emitted (chunks and byte deltas; bundle and wire framing not counted).");

    private static readonly Counter<long> s_contents = s_meter.CreateCounter<long>(
        "sync_outside_contents_total", null, "Contents (whole files or byte deltas) emitted.");

    private static long s_generation;
    private static readonly TimestampGauge s_lastSuccess;
    private static readonly TimestampGauge s_lastFailure;

    static OutsideMetrics()
    {
        s_meter.CreateObservableGauge("sync_outside_generation", () => Volatile.Read(ref s_generation), null,
            "The generation the next delta builds on: the last one delivered (file drop), sent (UDP) or published by the inside (gRPC); 0: none yet.");
        s_lastSuccess = new TimestampGauge(s_meter, "sync_outside_last_success_timestamp_seconds",
            "Unix time of the last run that ended well: a generation emitted, or nothing new (0: never).");
        s_lastFailure = new TimestampGauge(s_meter, "sync_outside_last_failure_timestamp_seconds",
            "Unix time of the last run that failed or whose inside did not publish (0: never).");
    }

    public static void SetGeneration(long generation) => Volatile.Write(ref s_generation, generation);

    internal static void Emitted(long payloadBytes, int contents)
    {
        s_generations.Add(1);
        s_bytes.Add(payloadBytes);
        s_contents.Add(contents);
    }

    internal static void Succeeded(DateTimeOffset at) => s_lastSuccess.Set(at);

    internal static void Failed(DateTimeOffset at) => s_lastFailure.Set(at);
}

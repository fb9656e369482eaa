using System.Diagnostics.Metrics;

namespace Sync.Engine;

/// <summary>
/// A gauge of when something last happened, in Unix seconds (0: never), as both agents export their last success and
/// last failure. Set from whichever thread records it, read by the exporter's collection.
/// </summary>
internal sealed class TimestampGauge
{
    private double _seconds;

    public TimestampGauge(Meter meter, string name, string description) =>
        meter.CreateObservableGauge(name, () => Volatile.Read(ref _seconds), "s", description);

    public void Set(DateTimeOffset at) => Volatile.Write(ref _seconds, at.ToUnixTimeMilliseconds() / 1000.0);
}

using System.Diagnostics.Metrics;
using Sync.Hosting;
using Sync.Testing.Metrics;

namespace Sync.Hosting.Tests.Metrics;

public sealed class MetricsCollectorTests
{
    [Fact]
    public void Instruments_of_sync_meters_are_kept_as_prometheus_families_and_others_ignored()
    {
        using var meter = new Meter($"Sync.Test.{Guid.NewGuid():N}");
        using var foreign = new Meter($"Other.Test.{Guid.NewGuid():N}");
        var suffix = Guid.NewGuid().ToString("N")[..8];
        using var collector = new MetricsCollector();
        var counter = meter.CreateCounter<long>($"t{suffix}_total", null, "A counter.");
        var histogram = meter.CreateHistogram<long>($"t{suffix}_burst", null, "Bursts.", advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 3, 7] });
        meter.CreateHistogram<double>($"t{suffix}_empty", "s", "Never observed.");
        long gauge = 5;
        meter.CreateObservableGauge($"t{suffix}_gauge", () => gauge, null, "A gauge.");
        foreign.CreateCounter<long>($"t{suffix}_foreign").Add(1);

        counter.Add(2, new KeyValuePair<string, object?>("reason", "replay"));
        counter.Add(3, new KeyValuePair<string, object?>("reason", "replay"));
        counter.Add(1, new KeyValuePair<string, object?>("reason", "signature"));
        foreach (var burst in new long[] { 1, 2, 3, 8 })
        {
            histogram.Record(burst);
        }

        var first = PrometheusSamples.Parse(PrometheusText.Write(collector.Collect()));
        gauge = 9;
        var second = PrometheusSamples.Parse(PrometheusText.Write(collector.Collect()));

        Assert.Equal(5, first[$"t{suffix}_total{{reason=\"replay\"}}"]);
        Assert.Equal(1, first[$"t{suffix}_total{{reason=\"signature\"}}"]);
        Assert.Equal("counter", first.Types[$"t{suffix}_total"]);
        Assert.Equal(1, first[$"t{suffix}_burst_bucket{{le=\"1\"}}"]);
        Assert.Equal(3, first[$"t{suffix}_burst_bucket{{le=\"3\"}}"]);
        Assert.Equal(3, first[$"t{suffix}_burst_bucket{{le=\"7\"}}"]);
        Assert.Equal(4, first[$"t{suffix}_burst_bucket{{le=\"+Inf\"}}"]);
        Assert.Equal(14, first[$"t{suffix}_burst_sum"]);
        Assert.Equal(0, first[$"t{suffix}_empty_count"]); // a histogram is shown before its first observation
        Assert.Equal(0, first[$"t{suffix}_empty_bucket{{le=\"+Inf\"}}"]);
        Assert.Equal(5, first[$"t{suffix}_gauge"]);
        Assert.Equal(9, second[$"t{suffix}_gauge"]); // observables are read at each collection
        Assert.DoesNotContain(first.Samples.Keys, k => k.StartsWith($"t{suffix}_foreign", StringComparison.Ordinal));
    }

    [Fact]
    public void An_observable_that_stops_reporting_is_gone_rather_than_stale()
    {
        using var meter = new Meter($"Sync.Test.{Guid.NewGuid():N}");
        var name = $"t{Guid.NewGuid():N}"[..12];
        using var collector = new MetricsCollector();
        var known = true;
        meter.CreateObservableCounter(name, () => known ? [new Measurement<long>(7)] : Array.Empty<Measurement<long>>());

        Assert.Equal(7, PrometheusSamples.Parse(PrometheusText.Write(collector.Collect()))[name]);
        known = false;
        Assert.DoesNotContain(name, PrometheusSamples.Parse(PrometheusText.Write(collector.Collect())).Samples.Keys);
    }
}

using System.Diagnostics.Metrics;

namespace Sync.Hosting;

/// <summary>
/// What is this? The agents' one registry of metrics: a <see cref="MeterListener"/> on every meter named "Sync.*"
/// (the engine's and the carriers' instruments, BCL only), kept as Prometheus families: counters add up, gauges keep
/// their last value, histograms count into the buckets their instrument advises. Observable instruments are read at
/// <see cref="Collect"/>, so a scrape sees the state of that moment. Thread-safe: measurements arrive from any
/// thread; one lock, taken once per measurement (per apply, per loss burst: never per datagram).
/// Why our own and not prometheus-net's MeterAdapter or OpenTelemetry's exporter: see docs/metrics.md.
/// </summary>
public sealed class MetricsCollector : IDisposable
{
    /// <summary>Prometheus's default buckets, for a histogram whose instrument advises none.</summary>
    private static readonly double[] DefaultBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly object _lock = new();
    private readonly MeterListener _listener = new();
    private readonly Dictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);

    public MetricsCollector()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!instrument.Meter.Name.StartsWith("Sync.", StringComparison.Ordinal))
            {
                return;
            }

            MetricFamily family;
            lock (_lock)
            {
                if (!_families.TryGetValue(instrument.Name, out family!))
                {
                    family = new MetricFamily(instrument.Name, instrument.Description ?? string.Empty, KindOf(instrument), BoundsOf(instrument), instrument.IsObservable);
                    _families.Add(instrument.Name, family);
                    if (family.Kind == MetricKind.Histogram)
                    {
                        // Shown from the start with no observations (our histograms have no labels): "no loss burst yet" is news too.
                        family.Series.Add(string.Empty, new MetricSeries([], family.Bounds!.Length));
                    }
                }
            }

            listener.EnableMeasurementEvents(instrument, family);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => Record((MetricFamily)state!, value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => Record((MetricFamily)state!, value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => Record((MetricFamily)state!, value, tags));
        _listener.Start();
    }

    /// <summary>Reads every observable instrument and returns the families as they stand, sorted by name.</summary>
    public IReadOnlyList<MetricFamily> Collect()
    {
        lock (_lock)
        {
            foreach (var family in _families.Values.Where(f => f.Observable))
            {
                family.Series.Clear(); // what an observable no longer reports is gone, not stale
            }

            _listener.RecordObservableInstruments();
            return [.. _families.Values.Where(f => f.Series.Count > 0).OrderBy(f => f.Name, StringComparer.Ordinal).Select(f => f.Copy())];
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(MetricFamily family, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        // No tags is the common case (a loss burst, an apply): no allocation then.
        var (key, labels) = tags.IsEmpty ? (string.Empty, []) : Labels(tags);
        lock (_lock)
        {
            if (!family.Series.TryGetValue(key, out var series))
            {
                series = new MetricSeries(labels, family.Bounds?.Length ?? 0);
                family.Series.Add(key, series);
            }

            series.Record(family.Kind, family.Bounds, value, family.Observable);
        }
    }

    /// <summary>The labels sorted by name, and a key that tells label sets apart.</summary>
    private static (string Key, KeyValuePair<string, string>[] Labels) Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new KeyValuePair<string, string>[tags.Length];
        for (int i = 0; i < tags.Length; i++)
        {
            labels[i] = new(tags[i].Key, Convert.ToString(tags[i].Value, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty);
        }

        Array.Sort(labels, (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return (string.Join('\u0001', labels.Select(l => $"{l.Key}\u0002{l.Value}")), labels);
    }

    private static MetricKind KindOf(Instrument instrument)
    {
        var definition = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericTypeDefinition() : instrument.GetType();
        return definition == typeof(Counter<>) || definition == typeof(ObservableCounter<>) ? MetricKind.Counter
            : definition == typeof(Histogram<>) ? MetricKind.Histogram
            : MetricKind.Gauge;
    }

    private static double[]? BoundsOf(Instrument instrument) => instrument switch
    {
        Histogram<long> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray() ?? DefaultBounds,
        Histogram<int> h => h.Advice?.HistogramBucketBoundaries?.Select(b => (double)b).ToArray() ?? DefaultBounds,
        Histogram<double> h => h.Advice?.HistogramBucketBoundaries?.ToArray() ?? DefaultBounds,
        _ => null,
    };
}

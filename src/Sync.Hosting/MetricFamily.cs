namespace Sync.Hosting;

/// <summary>How a family is exposed: a Prometheus counter, gauge or histogram.</summary>
public enum MetricKind
{
    Counter,
    Gauge,
    Histogram,
}

/// <summary>One metric name with its help, kind, histogram bounds and one series per label set, as the collector holds it.</summary>
public sealed class MetricFamily(string name, string help, MetricKind kind, double[]? bounds, bool observable)
{
    public string Name { get; } = name;

    public string Help { get; } = help;

    public MetricKind Kind { get; } = kind;

    /// <summary>Upper bounds of a histogram's buckets, ascending, without +Inf; null for the other kinds.</summary>
    public double[]? Bounds { get; } = bounds;

    internal bool Observable { get; } = observable;

    /// <summary>By label key; for a copy from <see cref="MetricsCollector.Collect"/>, a snapshot.</summary>
    public Dictionary<string, MetricSeries> Series { get; } = new(StringComparer.Ordinal);

    internal MetricFamily Copy()
    {
        var copy = new MetricFamily(Name, Help, Kind, Bounds, Observable);
        foreach (var (key, series) in Series)
        {
            copy.Series.Add(key, series.Copy());
        }

        return copy;
    }
}

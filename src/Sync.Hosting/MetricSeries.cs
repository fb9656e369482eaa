namespace Sync.Hosting;

/// <summary>One label set of a family: a value (counter, gauge), or bucket counts, sum and count (histogram).</summary>
public sealed class MetricSeries
{
    private readonly long[] _buckets;

    public MetricSeries(IReadOnlyList<KeyValuePair<string, string>> labels, int buckets)
    {
        Labels = labels;
        _buckets = new long[buckets];
    }

    /// <summary>Sorted by name.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; }

    public double Value { get; private set; }

    /// <summary>Observations at or below each bound (not cumulative); those above the last bound are in <see cref="Count"/> only.</summary>
    public IReadOnlyList<long> Buckets => _buckets;

    public double Sum { get; private set; }

    public long Count { get; private set; }

    internal void Record(MetricKind kind, double[]? bounds, double value, bool observable)
    {
        switch (kind)
        {
            case MetricKind.Counter when !observable:
                Value += value;
                break;
            case MetricKind.Histogram:
                var i = Array.BinarySearch(bounds!, value);
                i = i >= 0 ? i : ~i; // the first bound >= value
                if (i < _buckets.Length)
                {
                    _buckets[i]++;
                }

                Sum += value;
                Count++;
                break;
            default:
                // A gauge, or an observable counter: the instrument reports the total itself.
                Value = value;
                break;
        }
    }

    /// <summary>Replaces a gauge's value (a timestamp carried over from an earlier run).</summary>
    internal void Set(double value) => Value = value;

    internal MetricSeries Copy()
    {
        var copy = new MetricSeries(Labels, _buckets.Length) { Value = Value, Sum = Sum, Count = Count };
        _buckets.CopyTo(copy._buckets, 0);
        return copy;
    }
}

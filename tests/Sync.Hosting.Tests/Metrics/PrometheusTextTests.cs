using Sync.Hosting;
using Sync.Testing.Metrics;

namespace Sync.Hosting.Tests.Metrics;

public sealed class PrometheusTextTests
{
    [Fact]
    public void Counters_gauges_and_histograms_are_written_as_the_text_format_says()
    {
        var refused = new MetricFamily("sync_inside_refused_total", "Refused, by reason.", MetricKind.Counter, null, false);
        Add(refused, 3, ("reason", "replay"));
        var published = new MetricFamily("sync_inside_published_generation", "The generation apt clients see.", MetricKind.Gauge, null, true);
        Add(published, 42);
        var apply = new MetricFamily("sync_inside_apply_duration_seconds", "Apply time.", MetricKind.Histogram, [1, 10], false);
        Add(apply, 0.5);
        Add(apply, 7, extraTo: apply.Series.Values.Single());
        Add(apply, 100, extraTo: apply.Series.Values.Single());

        var text = PrometheusText.Write([refused, published, apply]);

        Assert.Equal(
            "# HELP sync_inside_refused_total Refused, by reason.\n" +
            "# TYPE sync_inside_refused_total counter\n" +
            "sync_inside_refused_total{reason=\"replay\"} 3\n" +
            "# HELP sync_inside_published_generation The generation apt clients see.\n" +
            "# TYPE sync_inside_published_generation gauge\n" +
            "sync_inside_published_generation 42\n" +
            "# HELP sync_inside_apply_duration_seconds Apply time.\n" +
            "# TYPE sync_inside_apply_duration_seconds histogram\n" +
            "sync_inside_apply_duration_seconds_bucket{le=\"1\"} 1\n" +
            "sync_inside_apply_duration_seconds_bucket{le=\"10\"} 2\n" +
            "sync_inside_apply_duration_seconds_bucket{le=\"+Inf\"} 3\n" +
            "sync_inside_apply_duration_seconds_sum 107.5\n" +
            "sync_inside_apply_duration_seconds_count 3\n",
            text);
        var parsed = PrometheusSamples.Parse(text);
        Assert.Equal(3, parsed["sync_inside_refused_total{reason=\"replay\"}"]);
        Assert.Equal("histogram", parsed.Types["sync_inside_apply_duration_seconds"]);
    }

    [Fact]
    public void Label_values_and_help_are_escaped_and_odd_numbers_spelled_as_prometheus_reads_them()
    {
        var family = new MetricFamily("odd", "line one\nback\\slash", MetricKind.Gauge, null, true);
        Add(family, double.PositiveInfinity, ("path", "a\"b\\c\nd"));
        Add(family, double.NaN, ("path", "nan"));
        Add(family, 1e-7, ("path", "tiny"));

        var text = PrometheusText.Write([family]);

        Assert.Contains("# HELP odd line one\\nback\\\\slash\n", text, StringComparison.Ordinal);
        Assert.Contains("odd{path=\"a\\\"b\\\\c\\nd\"} +Inf\n", text, StringComparison.Ordinal);
        Assert.Contains("odd{path=\"nan\"} NaN\n", text, StringComparison.Ordinal);
        var parsed = PrometheusSamples.Parse(text);
        Assert.Equal(1e-7, parsed["odd{path=\"tiny\"}"]);
        Assert.True(double.IsNaN(parsed["odd{path=\"nan\"}"]));
    }

    [Fact]
    public void The_reader_the_tests_trust_refuses_what_prometheus_would()
    {
        Assert.Throws<FormatException>(() => PrometheusSamples.Parse("x 1\n")); // no TYPE first
        Assert.Throws<FormatException>(() => PrometheusSamples.Parse("# TYPE x gauge\nx 1")); // no final newline
        Assert.Throws<FormatException>(() => PrometheusSamples.Parse("# TYPE x gauge\nx one\n"));
        Assert.Throws<FormatException>(() => PrometheusSamples.Parse("# TYPE x gauge\nx 1\nx 2\n"));
    }

    private static void Add(MetricFamily family, double value, params (string Key, string Value)[] labels) =>
        Add(family, value, null, labels);

    private static void Add(MetricFamily family, double value, MetricSeries? extraTo, params (string Key, string Value)[] labels)
    {
        var series = extraTo ?? new MetricSeries([.. labels.Select(l => new KeyValuePair<string, string>(l.Key, l.Value))], family.Bounds?.Length ?? 0);
        if (extraTo is null)
        {
            family.Series.Add(string.Join(",", labels.Select(l => l.Key + "=" + l.Value)), series);
        }

        series.Record(family.Kind, family.Bounds, value, family.Observable);
    }
}

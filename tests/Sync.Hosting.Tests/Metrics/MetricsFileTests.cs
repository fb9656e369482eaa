using Sync.Core;
using Sync.Hosting;
using Sync.Testing.FileSystem;
using Sync.Testing.Metrics;

namespace Sync.Hosting.Tests.Metrics;

public sealed class MetricsFileTests : IDisposable
{
    private readonly TempDirectory _dir = new("metrics-file-");

    [Fact]
    public void The_file_replaces_the_old_one_whole_and_leaves_no_temporary_file()
    {
        var path = _dir.Combine("sync.prom");
        File.WriteAllText(path, "old and not even the format\n");

        MetricsFile.Write(path, [Gauge("sync_inside_published_generation", 3)]);

        Assert.Equal(3, PrometheusSamples.Parse(File.ReadAllText(path))["sync_inside_published_generation"]);
        Assert.Equal(["sync.prom"], Directory.GetFiles(_dir.Path).Select(Path.GetFileName));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(path));
    }

    [Fact]
    public void Timestamps_of_earlier_runs_are_carried_over_when_this_run_did_not_set_them()
    {
        var path = _dir.Combine("sync.prom");
        MetricsFile.Write(path, [Gauge("sync_inside_last_success_timestamp_seconds", 1000), Gauge("sync_inside_last_failure_timestamp_seconds", 0)]);

        // The next run failed: it knows its failure, not the earlier success.
        MetricsFile.Write(path, [Gauge("sync_inside_last_success_timestamp_seconds", 0), Gauge("sync_inside_last_failure_timestamp_seconds", 2000)]);

        var samples = PrometheusSamples.Parse(File.ReadAllText(path));
        Assert.Equal(1000, samples["sync_inside_last_success_timestamp_seconds"]);
        Assert.Equal(2000, samples["sync_inside_last_failure_timestamp_seconds"]);
    }

    [Fact]
    public void A_folder_that_does_not_exist_is_a_usage_error_before_any_work()
    {
        var error = Assert.Throws<SyncException>(() => MetricsFile.Check(_dir.Combine("missing", "sync.prom")));
        Assert.Equal(SyncErrorKind.Usage, error.Kind);
        Assert.Contains("--metrics-file", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => _dir.Dispose();

    private static MetricFamily Gauge(string name, double value)
    {
        var family = new MetricFamily(name, "help", MetricKind.Gauge, null, true);
        var series = new MetricSeries([], 0);
        series.Record(MetricKind.Gauge, null, value, observable: true);
        family.Series.Add(string.Empty, series);
        return family;
    }
}

using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Sync.Benchmarks;

/// <summary>
/// Data bytes per second (decimal GB/s) at the median time, for benchmarks that process one block per operation
/// (a fixed size, or one that depends on the case's parameters);
/// the median rather than the mean so a burst of load from another process does not set the figure.
/// </summary>
internal sealed class DataThroughputColumn(Func<BenchmarkCase, long> bytesPerOperation, params string[] excludedMethods) : IColumn
{
    public DataThroughputColumn(long bytesPerOperation, params string[] excludedMethods)
        : this(_ => bytesPerOperation, excludedMethods)
    {
    }

    public string Id => nameof(DataThroughputColumn);

    public string ColumnName => "DataGB/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Data bytes processed per second at the median time, in 10^9 bytes";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (excludedMethods.Contains(benchmarkCase.Descriptor.WorkloadMethod.Name))
        {
            return "-";
        }

        var medianNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Median;
        return medianNanoseconds is > 0 ? (bytesPerOperation(benchmarkCase) / medianNanoseconds.Value).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "?";
    }
}

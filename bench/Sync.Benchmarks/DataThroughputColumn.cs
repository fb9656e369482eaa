using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Sync.Benchmarks;

/// <summary>Data bytes per second (decimal GB/s) for benchmarks that process one block per operation.</summary>
internal sealed class DataThroughputColumn(long bytesPerOperation, params string[] excludedMethods) : IColumn
{
    public string Id => nameof(DataThroughputColumn);

    public string ColumnName => "DataGB/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Data bytes processed per second, in 10^9 bytes";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => true;

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (excludedMethods.Contains(benchmarkCase.Descriptor.WorkloadMethod.Name))
        {
            return "-";
        }

        var meanNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return meanNanoseconds is > 0 ? (bytesPerOperation / meanNanoseconds.Value).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "?";
    }
}

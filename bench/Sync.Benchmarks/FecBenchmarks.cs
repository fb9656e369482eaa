using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace Sync.Benchmarks;

/// <summary>
/// RS(128+16) with 1408-byte symbols, the diode carrier's block: encode all 16 repairs, decode 16 lost data
/// symbols, and decode's setup alone (the 16 x 16 Cauchy inverse). The DataGB/s column counts data bytes
/// (128 x 1408 per block) per second at the median time, the figure ISA-L and the design notes quote.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class FecBenchmarks
{
    private const int DataSymbols = 128;
    private const int RepairSymbols = 16;
    private const int SymbolLength = 1408;
    private const int LostSymbols = 16;

    private FecBlock _block = null!;

    [ParamsSource(nameof(Paths))]
    public FecPath Path { get; set; }

    public static IEnumerable<FecPath> Paths => FecPaths.Supported();

    [GlobalSetup]
    public void Setup()
    {
        _block = new FecBlock(Path.ToKernelPath(), DataSymbols, RepairSymbols, SymbolLength, LostSymbols);
        _block.Decode();
        if (!_block.DecodedMatchesOriginal())
        {
            throw new InvalidOperationException($"decode on {Path} did not rebuild the block");
        }
    }

    [Benchmark]
    public void Encode() => _block.Encode();

    [Benchmark]
    public void Decode() => _block.Decode();

    [Benchmark]
    public void DecodeSetup() => _block.PrepareRecovery();

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(StatisticColumn.Median, StatisticColumn.Min);
            AddColumn(new DataThroughputColumn(DataSymbols * SymbolLength, nameof(DecodeSetup)));

            // Fifteen short iterations: the median stays honest on a machine shared with builds, in two minutes.
            AddJob(Job.ShortRun.WithIterationCount(15));
        }
    }
}

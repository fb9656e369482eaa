using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace Sync.Benchmarks;

/// <summary>
/// The GF(2^16) code on the blocks the diode carrier uses, 1408-byte symbols: k = 15,360 with r = 1024 (the
/// planner's block at 5 % random loss) and k = 3840 with r = 256. Encode: the first pass's r repairs. Decode: 5 % of
/// the data symbols lost at random, rebuilt from first-pass repairs. LaterPass: k + r fresh repairs, what a second
/// pass or the carousel sends. DataGB/s counts the block's data bytes (k x 1408) per second at the median time.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class Fec16Benchmarks
{
    private const int SymbolLength = 1408;

    private Fec16Block _block = null!;
    private int[] _laterPass = null!;
    private Memory<byte>[] _laterPassOutputs = null!;

    [ParamsSource(nameof(Paths))]
    public Fec16Path Path { get; set; }

    /// <summary>"k+r".</summary>
    [Params("15360+1024", "3840+256")]
    public string Block { get; set; } = "";

    public static IEnumerable<Fec16Path> Paths => Fec16Paths.Supported();

    [GlobalSetup]
    public void Setup()
    {
        var (k, r) = Parse(Block);
        _block = new Fec16Block(Path.ToGf16Path(), k, r, SymbolLength, lostSymbols: k / 20);
        _block.Decode();
        if (!_block.DecodedMatchesOriginal())
        {
            throw new InvalidOperationException($"decode on {Path} did not rebuild the block");
        }

        _laterPass = [.. Enumerable.Range(r, k + r)];
        _laterPassOutputs = [.. _laterPass.Select(_ => (Memory<byte>)new byte[SymbolLength])];
    }

    [Benchmark]
    public void Encode() => _block.Encode();

    [Benchmark]
    public void Decode() => _block.Decode();

    [Benchmark]
    public void LaterPass() => _block.Codec.Encode(_block.Data, _laterPass, _laterPassOutputs);

    private static (int K, int R) Parse(string block)
    {
        var parts = block.Split('+');
        return (int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture), int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(StatisticColumn.Median, StatisticColumn.Min);
            AddColumn(new DataThroughputColumn(c => (long)Parse((string)c.Parameters[nameof(Block)]).K * SymbolLength));

            // Fifteen short iterations: the median stays honest on a machine shared with builds.
            AddJob(Job.ShortRun.WithIterationCount(15));
        }
    }
}

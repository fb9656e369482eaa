using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace Sync.Benchmarks;

/// <summary>
/// The GF(2^16) code on the blocks the diode carrier sends with, 1408-byte symbols, as fec-plan sizes them at
/// 1 Gbit/s: k = 15,360 with r = 1009 (5 % random loss) and k = 992 with r = 24 (1 % in periodic bursts of 1000), and
/// k = 3840 with r = 256 between them. Encode: the first pass's r repairs. Decode: 5 % of the data symbols lost at
/// random (at most r), rebuilt from first-pass repairs. LaterPass: k + r fresh repairs, what a second pass or the
/// carousel sends. DataGB/s counts the block's data bytes (k x 1408) per second at the median time.
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
    [Params("15360+1009", "992+24", "3840+256")]
    public string Block { get; set; } = "";

    public static IEnumerable<Fec16Path> Paths => Fec16Paths.Supported();

    [GlobalSetup]
    public void Setup()
    {
        var (k, r) = Parse(Block);
        _block = new Fec16Block(Path.ToGf16Path(), k, r, SymbolLength, lostSymbols: Math.Min(k / 20, r));
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

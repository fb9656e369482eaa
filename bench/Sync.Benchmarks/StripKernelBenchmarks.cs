using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using Sync.Fec.Internal;

namespace Sync.Benchmarks;

/// <summary>
/// The single-input strip kernel alone: one 1408- or 1440-byte input (the latter leaves a 32-byte tail) into 16
/// scratch rows, as the codec runs it for inputs left over from groups of four and for region multiplies. The codec
/// benchmarks above use groups of four only, so they do not time this kernel. DataGB/s counts the input bytes.
/// </summary>
[Config(typeof(Config))]
public unsafe class StripKernelBenchmarks
{
    private const int Outputs = 16;

    private byte* _input;
    private byte* _output;
    private int* _columns;
    private RowPointers _constants;

    [ParamsSource(nameof(Paths))]
    public FecPath Path { get; set; }

    [Params(1408, 1440)]
    public int Width { get; set; }

    public static IEnumerable<FecPath> Paths => FecPaths.Supported();

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(Width);
        _input = Filled(Width, random);
        _output = Filled(Outputs * Width, random);
        _columns = (int*)NativeMemory.Alloc(Outputs, sizeof(int));
        for (var o = 0; o < Outputs; o++)
        {
            _columns[o] = o;
        }

        // The products need not be right to be timed: random tables and matrices cost the same as real ones.
        _constants = new RowPointers(Filled(Outputs, random), Filled(Outputs * 32, random), (ulong*)Filled(Outputs * sizeof(ulong), random));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        NativeMemory.AlignedFree(_input);
        NativeMemory.AlignedFree(_output);
        NativeMemory.Free(_columns);
        NativeMemory.AlignedFree(_constants.Coefficients);
        NativeMemory.AlignedFree(_constants.NibbleTables);
        NativeMemory.AlignedFree(_constants.Matrices);
    }

    [Benchmark]
    public void MultiplyIntoRows() =>
        StripKernel.MultiplyIntoRows(Path.ToKernelPath(), _input, Width, _output, Width, _constants, _columns, Outputs, accumulate: true);

    private static byte* Filled(int bytes, Random random)
    {
        var memory = (byte*)NativeMemory.AlignedAlloc((nuint)bytes, 64);
        random.NextBytes(new Span<byte>(memory, bytes));
        return memory;
    }

    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(StatisticColumn.Median, StatisticColumn.Min);
            AddColumn(new DataThroughputColumn(c => (int)c.Parameters[nameof(Width)]));
            AddJob(Job.ShortRun.WithIterationCount(15));
        }
    }
}

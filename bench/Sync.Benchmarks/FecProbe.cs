using System.Diagnostics;

namespace Sync.Benchmarks;

/// <summary>
/// A seconds-long Stopwatch check of the codec for tuning and for a quick look on a new machine
/// (`dotnet run -c Release --project bench/Sync.Benchmarks -- fec-probe`); BenchmarkDotNet gives the real figures.
/// </summary>
internal static class FecProbe
{
    public static void Run()
    {
        foreach (var path in FecPaths.Supported())
        {
            var block = new FecBlock(path.ToKernelPath(), 128, 16, 1408, 16);
            var encode = Measure(block.Encode);
            var decode = Measure(block.Decode);
            var setup = Measure(block.PrepareRecovery);
            Console.WriteLine(
                $"{path,-7} encode {block.DataBytes / encode:F2} GB/s   decode(16 lost) {block.DataBytes / decode:F2} GB/s   setup {setup / 1000:F1} us   rebuilt: {block.DecodedMatchesOriginal()}");
        }
    }

    /// <summary>Best mean nanoseconds per call over a few 200 ms rounds.</summary>
    private static double Measure(Action operation)
    {
        var best = double.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var calls = 0;
            var watch = Stopwatch.StartNew();
            while (watch.ElapsedMilliseconds < 200)
            {
                operation();
                calls++;
            }

            best = Math.Min(best, watch.Elapsed.TotalNanoseconds / calls);
        }

        return best;
    }
}

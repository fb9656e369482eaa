using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Sync.Benchmarks;

/// <summary>
/// A seconds-long check of the codec for tuning and for a quick look on a new machine
/// (`dotnet run -c Release --project bench/Sync.Benchmarks -- fec-probe`); BenchmarkDotNet gives the real figures.
/// Time is this thread's CPU time, so the figures hold on a machine shared with builds: being descheduled is
/// not counted (cache contention still is).
/// </summary>
internal static partial class FecProbe
{
    private const int ThreadCpuClock = 3;

    /// <summary>
/// `fec16-probe [PATH [k r T lost]]`: one path (and shape), or on every path the carrier's blocks as fec-plan sizes
/// them at 1 Gbit/s (5 % random loss; 1 % in bursts of 1000) and a middle one.
/// </summary>
    public static void Run16(string[] args)
    {
        var paths = args.Length > 0 ? [Enum.Parse<Fec16Path>(args[0])] : Fec16Paths.Supported().ToArray();
        (int K, int R, int Length, int Lost)[] shapes = args.Length > 1
            ? [(int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]))]
            : [(15360, 1009, 1408, 768), (992, 24, 1408, 24), (3840, 256, 1408, 192)];
        foreach (var path in paths)
        {
            foreach (var (k, r, length, lost) in shapes)
            {
                var block = new Fec16Block(path.ToGf16Path(), k, r, length, lost);
                var encode = Measure(block.Encode);
                var decode = Measure(block.Decode);
                int[] laterPass = [.. Enumerable.Range(r, k + r)];
                Memory<byte>[] laterOutputs = [.. laterPass.Select(_ => (Memory<byte>)new byte[length])];
                var later = Measure(() => block.Codec.Encode(block.Data, laterPass, laterOutputs));
                Console.WriteLine(
                    $"{path,-9} GF16 k={k} r={r} x {length} B: encode {block.DataBytes / encode:F2} GB/s ({encode / 1e6:F2} ms)   " +
                    $"decode ({lost} lost) {block.DataBytes / decode:F2} GB/s ({decode / 1e6:F2} ms)   later pass (k+r fresh) {block.DataBytes / later:F2} GB/s   " +
                    $"rebuilt: {block.DecodedMatchesOriginal()}");
            }
        }
    }

    public static void Run()
    {
        var paths = FecPaths.Supported().ToArray();
        foreach (var path in paths)
        {
            Report(path, 128, 16, 1408);
        }

        // Other shapes on the path the codec picks by default: all r repairs encoded, r data symbols lost.
        var best = paths[^1];
        (int K, int R, int Length)[] shapes = [(128, 16, 1440), (64, 8, 1408), (200, 56, 1440), (128, 128, 1408)];
        foreach (var (k, r, length) in shapes)
        {
            Report(best, k, r, length);
        }
    }

    private static void Report(FecPath path, int k, int r, int length)
    {
        var block = new FecBlock(path.ToKernelPath(), k, r, length, r);
        var encode = Measure(block.Encode);
        var decode = Measure(block.Decode);
        var setup = Measure(block.PrepareRecovery);
        Console.WriteLine(
            $"{path,-9} RS({k}+{r}) x {length} B: encode {block.DataBytes / encode:F2} GB/s   decode ({r} lost) {block.DataBytes / decode:F2} GB/s   " +
            $"setup {setup / 1000:F1} us   rebuilt: {block.DecodedMatchesOriginal()}");
    }

    /// <summary>Best mean CPU nanoseconds per call over a few rounds of about 200 ms each.</summary>
    private static double Measure(Action operation)
    {
        var best = double.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var calls = 0;
            var wall = Stopwatch.StartNew();
            var cpuStart = ThreadCpuNanoseconds();
            while (wall.ElapsedMilliseconds < 200)
            {
                operation();
                calls++;
            }

            best = Math.Min(best, (double)(ThreadCpuNanoseconds() - cpuStart) / calls);
        }

        return best;
    }

    private static long ThreadCpuNanoseconds()
    {
        if (ClockGetTime(ThreadCpuClock, out var time) != 0)
        {
            throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
        }

        return time.Seconds * 1_000_000_000 + time.Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}

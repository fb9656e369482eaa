using BenchmarkDotNet.Attributes;
using Sync.Core.Paths;

namespace Sync.Benchmarks.Paths;

/// <summary>
/// The manifest order (UTF-8 bytes) on the paths of a 150,000-package mirror (a directory and a .deb each, as
/// scripts/make-mirror-tree.sh lays them out): the scan's sort of 300,000 shuffled paths and the validator's check
/// that parsed paths ascend, each beside the same work in UTF-16 ordinal order, the floor (that order is wrong only
/// where a surrogate meets U+E000..U+FFFF).
/// </summary>
[MemoryDiagnoser]
public class PathOrderBenchmarks
{
    private const int Packages = 150_000;

    private string[] _shuffled = null!;
    private string[] _sorted = null!;
    private string[] _work = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(6);
        var paths = new List<string>(2 * Packages);
        for (var i = 0; i < Packages; i++)
        {
            var name = $"{(char)('a' + random.Next(26))}{Guid.NewGuid().ToString("N")[..random.Next(4, 14)]}-{i}";
            var directory = $"pool/main/{name[0]}/{name}";
            paths.Add(directory);
            paths.Add($"{directory}/{name}_{random.Next(1, 9)}.{random.Next(0, 30)}-{random.Next(1, 5)}ubuntu{random.Next(1, 3)}_amd64.deb");
        }

        _shuffled = [.. paths.OrderBy(_ => random.Next())];
        _sorted = [.. paths];
        Array.Sort(_sorted, RelativePath.Compare);
        _work = new string[_shuffled.Length];
    }

    [Benchmark(Baseline = true)]
    public string SortOrdinal()
    {
        _shuffled.CopyTo(_work, 0);
        Array.Sort(_work, string.CompareOrdinal);
        return _work[0];
    }

    [Benchmark]
    public string SortManifestOrder()
    {
        _shuffled.CopyTo(_work, 0);
        Array.Sort(_work, RelativePath.Compare);
        return _work[0];
    }

    [Benchmark]
    public int CheckAscendingOrdinal() => CountAscending(_sorted, string.CompareOrdinal);

    [Benchmark]
    public int CheckAscendingManifestOrder() => CountAscending(_sorted, RelativePath.Compare);

    private static int CountAscending(string[] paths, Comparison<string> compare)
    {
        var ascending = 0;
        for (var i = 1; i < paths.Length; i++)
        {
            ascending += compare(paths[i - 1], paths[i]) < 0 ? 1 : 0;
        }

        return ascending;
    }
}

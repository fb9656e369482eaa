using Sync.Fec.Internal;

namespace Sync.Benchmarks;

/// <summary>The codec's kernel paths as a public type, so BenchmarkDotNet's generated code can name them as parameters.</summary>
public enum FecPath
{
    Scalar,
    Vector128,
    Avx2,
    Gfni,
}

internal static class FecPaths
{
    public static KernelPath ToKernelPath(this FecPath path) => path switch
    {
        FecPath.Scalar => KernelPath.Scalar,
        FecPath.Vector128 => KernelPath.Vector128,
        FecPath.Avx2 => KernelPath.Avx2,
        _ => KernelPath.Gfni,
    };

    /// <summary>Paths this CPU can run; the others are left out of the run and named on the console.</summary>
    public static IEnumerable<FecPath> Supported()
    {
        foreach (var path in Enum.GetValues<FecPath>())
        {
            if (KernelPaths.IsSupported(path.ToKernelPath()))
            {
                yield return path;
            }
            else
            {
                Console.WriteLine($"// FEC path {path} skipped: this CPU lacks its instructions");
            }
        }
    }
}

using Sync.Fec.Internal;

namespace Sync.Benchmarks;

/// <summary>The GF(2^16) codec's kernel paths as a public type, so BenchmarkDotNet's generated code can name them.</summary>
public enum Fec16Path
{
    Scalar,
    Vector128,
    Avx2,
    Avx512,
    Gfni,
    Gfni512,
}

internal static class Fec16Paths
{
    public static Gf16Path ToGf16Path(this Fec16Path path) => Enum.Parse<Gf16Path>(path.ToString());

    /// <summary>
    /// Paths this CPU can run, or those of them named in FEC16_PATHS (comma-separated, to shorten a run); the others
    /// are left out and named on the console.
    /// </summary>
    public static IEnumerable<Fec16Path> Supported()
    {
        var chosen = Environment.GetEnvironmentVariable("FEC16_PATHS")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var path in Enum.GetValues<Fec16Path>())
        {
            if (chosen is not null && !chosen.Contains(path.ToString(), StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }

            if (Gf16Paths.IsSupported(path.ToGf16Path()))
            {
                yield return path;
            }
            else
            {
                Console.WriteLine($"// GF(2^16) path {path} skipped: this CPU lacks its instructions");
            }
        }
    }
}

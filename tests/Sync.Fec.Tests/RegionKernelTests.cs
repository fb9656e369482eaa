using Sync.Fec.Internal;

namespace Sync.Fec.Tests;

/// <summary>Each path's <c>dst ^= c * src</c> and <c>dst = c * src</c> against the bitwise multiply, tails included.</summary>
public sealed class RegionKernelTests
{
    public static TheoryData<int> Lengths => [1, 15, 31, 32, 33, 63, 64, 65, 100, 1408, 1440];

    [SupportedPathTheory(nameof(KernelPath.Scalar))]
    [MemberData(nameof(Lengths))]
    public void Scalar_matches_the_reference(int length) => MatchesReference(KernelPath.Scalar, length);

    [SupportedPathTheory(nameof(KernelPath.Vector128))]
    [MemberData(nameof(Lengths))]
    public void Vector128_matches_the_reference(int length) => MatchesReference(KernelPath.Vector128, length);

    [SupportedPathTheory(nameof(KernelPath.Avx2))]
    [MemberData(nameof(Lengths))]
    public void Avx2_matches_the_reference(int length) => MatchesReference(KernelPath.Avx2, length);

    [SupportedPathTheory(nameof(KernelPath.Gfni))]
    [MemberData(nameof(Lengths))]
    public void Gfni_matches_the_reference(int length) => MatchesReference(KernelPath.Gfni, length);

    [Fact]
    public void Mismatched_lengths_are_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => RegionKernels.MultiplyAdd(KernelPath.Scalar, 3, new byte[4], new byte[5]));
        Assert.Contains("4", error.Message, StringComparison.Ordinal);
    }

    private static void MatchesReference(KernelPath path, int length)
    {
        Assert.True(KernelPaths.IsSupported(path));
        var random = new Random(length);
        var source = new byte[length];
        var start = new byte[length];
        random.NextBytes(source);
        random.NextBytes(start);
        byte[] constants = [0, 1, 2, 0x1D, 0x80, 0xFF, .. Enumerable.Range(0, 20).Select(_ => (byte)random.Next(256))];
        foreach (var constant in constants)
        {
            var accumulated = (byte[])start.Clone();
            var overwritten = (byte[])start.Clone();
            RegionKernels.MultiplyAdd(path, constant, source, accumulated);
            RegionKernels.Multiply(path, constant, source, overwritten);
            for (var p = 0; p < length; p++)
            {
                var product = Reference.Multiply(constant, source[p]);
                Assert.True(product == overwritten[p], $"c={constant} at {p}: {overwritten[p]} != {product}");
                Assert.True((byte)(start[p] ^ product) == accumulated[p], $"c={constant} at {p}: accumulate wrong");
            }
        }
    }
}

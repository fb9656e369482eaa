using Sync.Fec.Internal;

namespace Sync.Fec.Tests;

/// <summary>
/// Any k of the k + r symbols rebuild the block, on every kernel path: seeded random data and loss patterns
/// (the seed is in every failure message), repairs checked byte for byte against the bitwise reference encode.
/// </summary>
public sealed class ReedSolomonCodecPropertyTests
{
    private const int LossPatternsPerShape = 12;

    public static TheoryData<int, int, int> Shapes
    {
        get
        {
            var shapes = new TheoryData<int, int, int>();
            int[] lengths = [1, 15, 31, 32, 33, 64, 1408, 1440];
            (int K, int R)[] small = [(1, 0), (1, 1), (1, 4), (2, 2), (3, 7), (5, 5), (10, 4), (17, 13)];
            foreach (var (k, r) in small)
            {
                foreach (var length in lengths)
                {
                    shapes.Add(k, r, length);
                }
            }

            (int K, int R, int Length)[] large =
            [
                (128, 16, 1408), (128, 16, 1440), (128, 16, 33), (200, 56, 1440), (200, 56, 31), (128, 128, 64),
                (255, 1, 1408), (1, 255, 1440), (64, 32, 1), (101, 27, 1000), (239, 17, 64),
            ];
            foreach (var (k, r, length) in large)
            {
                shapes.Add(k, r, length);
            }

            return shapes;
        }
    }

    [SupportedPathTheory(nameof(KernelPath.Scalar))]
    [MemberData(nameof(Shapes))]
    public void Scalar_rebuilds_every_loss_pattern(int k, int r, int length) => RebuildsEveryLossPattern(KernelPath.Scalar, k, r, length);

    [SupportedPathTheory(nameof(KernelPath.Vector128))]
    [MemberData(nameof(Shapes))]
    public void Vector128_rebuilds_every_loss_pattern(int k, int r, int length) => RebuildsEveryLossPattern(KernelPath.Vector128, k, r, length);

    [SupportedPathTheory(nameof(KernelPath.Avx2))]
    [MemberData(nameof(Shapes))]
    public void Avx2_rebuilds_every_loss_pattern(int k, int r, int length) => RebuildsEveryLossPattern(KernelPath.Avx2, k, r, length);

    [SupportedPathTheory(nameof(KernelPath.Gfni))]
    [MemberData(nameof(Shapes))]
    public void Gfni_rebuilds_every_loss_pattern(int k, int r, int length) => RebuildsEveryLossPattern(KernelPath.Gfni, k, r, length);

    [Fact]
    public void Every_supported_path_produces_the_same_repair_symbols()
    {
        var paths = Enum.GetValues<KernelPath>().Where(KernelPaths.IsSupported).ToArray();
        var random = new Random(7);
        var data = RandomSymbols(random, 128, 1440);
        int[] indices = [.. Enumerable.Range(0, 16)];
        var results = paths.Select(path => Encode(new ReedSolomonCodec(128, 16, path), data, indices)).ToArray();
        for (var p = 1; p < results.Length; p++)
        {
            for (var n = 0; n < indices.Length; n++)
            {
                Assert.Equal(results[0][n], results[p][n]);
            }
        }
    }

    [Fact]
    public void The_default_codec_uses_the_best_supported_path()
    {
        var codec = new ReedSolomonCodec(4, 2);
        Assert.Equal(KernelPaths.Best, codec.Path);
        Assert.True(KernelPaths.IsSupported(codec.Path));
    }

    [Fact]
    public void A_subset_of_repairs_in_any_order_equals_the_same_symbols_of_a_full_encode()
    {
        var random = new Random(11);
        var codec = new ReedSolomonCodec(30, 20);
        var data = RandomSymbols(random, 30, 1408);
        var full = Encode(codec, data, [.. Enumerable.Range(0, 20)]);
        int[] subset = [19, 3, 7, 0];
        var partial = Encode(codec, data, subset);
        for (var n = 0; n < subset.Length; n++)
        {
            Assert.Equal(full[subset[n]], partial[n]);
        }
    }

    private static void RebuildsEveryLossPattern(KernelPath path, int k, int r, int length)
    {
        var seed = ((k * 7919 + r) * 104_729 + length) * 8 + (int)path; // HashCode.Combine would differ from run to run
        var random = new Random(seed);
        var codec = new ReedSolomonCodec(k, r, path);
        Assert.Equal(path, codec.Path);
        var data = RandomSymbols(random, k, length);
        int[] allRepairs = [.. Enumerable.Range(0, r)];
        var repairs = Encode(codec, data, allRepairs);
        for (var j = 0; j < r; j++)
        {
            Assert.True(Reference.Encode(codec, data, j).AsSpan().SequenceEqual(repairs[j]), $"repair {j} differs from the reference (seed {seed})");
        }

        for (var pattern = 0; pattern < LossPatternsPerShape; pattern++)
        {
            // Lose 0..min(r, k) data symbols, hand over a random subset of at least that many repairs, in random order.
            var lostCount = pattern switch
            {
                0 => 0,
                1 => Math.Min(r, k),
                _ => random.Next(Math.Min(r, k) + 1),
            };
            var lost = Enumerable.Range(0, k).OrderBy(_ => random.Next()).Take(lostCount).ToHashSet();
            var given = allRepairs.OrderBy(_ => random.Next()).Take(lostCount + random.Next(r - lostCount + 1)).ToArray();

            var received = new Memory<byte>[k];
            var present = new bool[k];
            for (var i = 0; i < k; i++)
            {
                present[i] = !lost.Contains(i);
                received[i] = present[i] ? (byte[])data[i].Clone() : Garbage(random, length);
            }

            var givenRepairs = given.Select(j => (ReadOnlyMemory<byte>)repairs[j]).ToArray();
            codec.Decode(received, present, given, givenRepairs);
            for (var i = 0; i < k; i++)
            {
                Assert.True(
                    received[i].Span.SequenceEqual(data[i]),
                    $"data symbol {i} not rebuilt: lost [{string.Join(',', lost.Order())}], repairs [{string.Join(',', given)}], seed {seed}");
            }
        }
    }

    internal static byte[][] RandomSymbols(Random random, int count, int length)
    {
        var symbols = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            symbols[i] = new byte[length];
            random.NextBytes(symbols[i]);
        }

        return symbols;
    }

    internal static byte[][] Encode(ReedSolomonCodec codec, byte[][] data, int[] repairIndices)
    {
        var repairs = repairIndices.Select(_ => new byte[data[0].Length]).ToArray();
        var dataMemory = data.Select(d => (ReadOnlyMemory<byte>)d).ToArray();
        var repairMemory = repairs.Select(r => (Memory<byte>)r).ToArray();
        codec.Encode(dataMemory, repairIndices, repairMemory);
        return repairs;
    }

    private static byte[] Garbage(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}

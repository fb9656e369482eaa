using Sync.Fec.Internal;

namespace Sync.Fec.Tests;

/// <summary>
/// Any k of a GF(2^16) block's symbols rebuild it, on every kernel path: seeded random data and loss patterns (the
/// seed is in every failure message), with first-pass repairs, fresh repairs past them, and both mixed; the repairs
/// themselves are checked against the Lagrange reference for the small shapes.
/// </summary>
public sealed class ReedSolomon16CodecPropertyTests
{
    private const int LossPatternsPerShape = 10;

    public static TheoryData<int, int, int> Shapes
    {
        get
        {
            var shapes = new TheoryData<int, int, int>();
            (int K, int R, int Length)[] list =
            [
                (1, 0, 64), (1, 1, 128), (1, 5, 64), (2, 2, 64), (3, 1, 64), (3, 7, 192), (5, 5, 64), (10, 4, 64), (17, 13, 128),
                (31, 33, 64), (64, 64, 64), (100, 28, 64), (128, 16, 1408), (200, 56, 64), (255, 1, 64), (1, 300, 64), (500, 12, 576),
                (1000, 24, 64), (2000, 100, 64), (3840, 256, 64), (3841, 255, 128), (4000, 5000, 64), (7168, 1000, 64), (15360, 1024, 64),
                (40, 9, 8256), (3000, 200, 4160),
            ];
            foreach (var (k, r, length) in list)
            {
                shapes.Add(k, r, length);
            }

            return shapes;
        }
    }

    [SupportedGf16PathTheory(nameof(Gf16Path.Scalar))]
    [MemberData(nameof(Shapes))]
    public void Scalar_rebuilds_every_loss_pattern(int k, int r, int length) => RebuildsEveryLossPattern(Gf16Path.Scalar, k, r, length);

    [SupportedGf16PathTheory(nameof(Gf16Path.Vector128))]
    [MemberData(nameof(Shapes))]
    public void Vector128_rebuilds_every_loss_pattern(int k, int r, int length) => RebuildsEveryLossPattern(Gf16Path.Vector128, k, r, length);

    [SupportedGf16PathTheory(nameof(Gf16Path.Avx2))]
    [MemberData(nameof(Shapes))]
    public void Avx2_rebuilds_every_loss_pattern(int k, int r, int length) => RebuildsEveryLossPattern(Gf16Path.Avx2, k, r, length);

    [SupportedGf16PathTheory(nameof(Gf16Path.Avx512))]
    [MemberData(nameof(Shapes))]
    public void Avx512_rebuilds_every_loss_pattern(int k, int r, int length) => RebuildsEveryLossPattern(Gf16Path.Avx512, k, r, length);

    [SupportedGf16PathTheory(nameof(Gf16Path.Gfni))]
    [MemberData(nameof(Shapes))]
    public void Gfni_rebuilds_every_loss_pattern(int k, int r, int length) => RebuildsEveryLossPattern(Gf16Path.Gfni, k, r, length);

    [SupportedGf16PathTheory(nameof(Gf16Path.Gfni512))]
    [MemberData(nameof(Shapes))]
    public void Gfni512_rebuilds_every_loss_pattern(int k, int r, int length) => RebuildsEveryLossPattern(Gf16Path.Gfni512, k, r, length);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 3)]
    [InlineData(3, 1)]
    [InlineData(4, 4)]
    [InlineData(6, 5)]
    [InlineData(13, 3)]
    [InlineData(20, 12)]
    [InlineData(37, 27)]
    [InlineData(1, 40)]
    public void Repairs_are_the_codeword_polynomial_at_their_points(int k, int r)
    {
        var codec = new ReedSolomon16Codec(k, r, Gf16Path.Scalar);
        var random = new Random(k * 100 + r);
        var data = ReedSolomonCodecPropertyTests.RandomSymbols(random, k, 128);
        var indices = FreshAndFirst(codec, random, 6);
        var repairs = Encode(codec, data, indices);
        for (var n = 0; n < indices.Length; n++)
        {
            Assert.True(Gf16Reference.Encode(codec, data, indices[n]).AsSpan().SequenceEqual(repairs[n]), $"k={k} r={r} repair {indices[n]}");
        }
    }

    [Fact]
    public void Repairs_of_a_thousand_symbol_block_match_the_reference()
    {
        var codec = new ReedSolomon16Codec(1000, 24);
        var random = new Random(1000);
        var data = ReedSolomonCodecPropertyTests.RandomSymbols(random, 1000, 64);
        int[] indices = [0, 23, 31, codec.MaxRepairSymbols - 1];
        var repairs = Encode(codec, data, indices);
        for (var n = 0; n < indices.Length; n++)
        {
            Assert.True(Gf16Reference.Encode(codec, data, indices[n]).AsSpan().SequenceEqual(repairs[n]), $"repair {indices[n]}");
        }
    }

    [Fact]
    public void Every_supported_path_produces_the_same_repairs()
    {
        var paths = Enum.GetValues<Gf16Path>().Where(Gf16Paths.IsSupported).ToArray();
        var random = new Random(7);
        var data = ReedSolomonCodecPropertyTests.RandomSymbols(random, 2000, 1408);
        var indices = FreshAndFirst(new ReedSolomon16Codec(2000, 100), random, 40);
        var results = paths.Select(path => Encode(new ReedSolomon16Codec(2000, 100, path), data, indices)).ToArray();
        for (var p = 1; p < results.Length; p++)
        {
            for (var n = 0; n < indices.Length; n++)
            {
                Assert.True(results[0][n].AsSpan().SequenceEqual(results[p][n]), $"{paths[p]} differs from {paths[0]} at repair {indices[n]}");
            }
        }
    }

    [Fact]
    public void The_default_codec_uses_the_best_supported_path()
    {
        var codec = new ReedSolomon16Codec(4, 2);
        Assert.Equal(Gf16Paths.Best, codec.Path);
        Assert.True(Gf16Paths.IsSupported(codec.Path));
    }

    [Fact]
    public void The_code_on_the_wire_never_changes()
    {
        // Sender and receiver must agree byte for byte across versions: pin a few repairs of a fixed block.
        var codec = new ReedSolomon16Codec(300, 20);
        var data = Enumerable.Range(0, 300).Select(i => Enumerable.Range(0, 128).Select(b => (byte)(i * 7 + b * 13 + (i * b >> 3))).ToArray()).ToArray();
        int[] indices = [0, 19, 20, 31, 32, 1000, codec.MaxRepairSymbols - 1];
        var repairs = Encode(codec, data, indices);
        var digest = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(repairs.SelectMany(r => r).ToArray()));
        Assert.Equal(GoldenDigest, digest);
    }

    private const string GoldenDigest = "EED48DE94241314BF6BD4F69A7DEAF71E55CA28668900A9F4AAA26944B28B229";

    private static void RebuildsEveryLossPattern(Gf16Path path, int k, int r, int length)
    {
        Assert.True(Gf16Paths.IsSupported(path));
        var codec = new ReedSolomon16Codec(k, r, path);
        Assert.Equal(path, codec.Path);
        for (var pattern = 0; pattern < LossPatternsPerShape; pattern++)
        {
            var seed = ((k * 7919 + r) * 104_729 + length) * 16 + pattern; // HashCode.Combine would differ from run to run
            var random = new Random(seed);
            var data = ReedSolomonCodecPropertyTests.RandomSymbols(random, k, length);

            // Which repairs this pattern may use: the first pass's, fresh ones only, or both.
            var fresh = Enumerable.Range(r, Math.Min(codec.MaxRepairSymbols - r, 3 * k + 8)).ToArray();
            int[] pool = (pattern % 3) switch
            {
                0 => [.. Enumerable.Range(0, r)],
                1 => [.. fresh.Concat(new[] { codec.MaxRepairSymbols - 1 }).Distinct()],
                _ => [.. Enumerable.Range(0, r).Concat(fresh)],
            };
            var lostCount = pattern switch
            {
                0 => 0,
                3 => Math.Min(k, pool.Length),
                _ => random.Next(Math.Min(k, pool.Length) + 1),
            };
            var extra = pattern % 2 == 0 ? 0 : random.Next(Math.Min(5, pool.Length - lostCount) + 1);
            var given = pool.OrderBy(_ => random.Next()).Take(lostCount + extra).ToArray();
            var repairs = Encode(codec, data, given);

            var lost = Enumerable.Range(0, k).OrderBy(_ => random.Next()).Take(lostCount).ToHashSet();
            var received = data.Select((d, i) => lost.Contains(i) ? Garbage(random, length) : (byte[])d.Clone()).ToArray();
            codec.Decode(
                [.. received.Select(d => (Memory<byte>)d)],
                [.. Enumerable.Range(0, k).Select(i => !lost.Contains(i))],
                given,
                [.. repairs.Select(b => (ReadOnlyMemory<byte>)b)]);
            for (var i = 0; i < k; i++)
            {
                Assert.True(data[i].AsSpan().SequenceEqual(received[i]), $"{path} k={k} r={r} T={length} seed={seed} lost={lostCount}: data symbol {i} differs");
            }
        }
    }

    private static byte[] Garbage(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Repairs 0..min(r, 8)-1, the last first-window index, and fresh ones including the very last.</summary>
    private static int[] FreshAndFirst(ReedSolomon16Codec codec, Random random, int fresh)
    {
        var window = codec.Shape.Window;
        return [.. Enumerable.Range(0, Math.Min(codec.RepairSymbols, 8))
            .Append(window - 1)
            .Concat(Enumerable.Range(0, fresh).Select(_ => random.Next(window, codec.MaxRepairSymbols)))
            .Append(codec.MaxRepairSymbols - 1)
            .Distinct()];
    }

    internal static byte[][] Encode(ReedSolomon16Codec codec, byte[][] data, int[] indices)
    {
        var repairs = indices.Select(_ => new byte[data[0].Length]).ToArray();
        codec.Encode([.. data.Select(d => (ReadOnlyMemory<byte>)d)], indices, [.. repairs.Select(b => (Memory<byte>)b)]);
        return repairs;
    }
}

using Sync.Core.Apply;
using Sync.Core.Compression;
using Sync.Core.Export;
using Sync.Core.Streams;
using Sync.Core.Tests.Compression;

namespace Sync.Core.Tests.Export;

/// <summary>
/// Several compressed indices of one day proven and rebuilt side by side: the inside publishes exactly the bytes the
/// outside's files hold (as one compression after another writes them), and one mismatch among them refuses the whole
/// generation, publishes nothing and leaves no temporary object behind.
/// </summary>
public sealed class RecompressParallelTests : IDisposable
{
    private static readonly string[] Suites = ["noble", "noble-updates", "noble-security"];
    private readonly RecompressHarness _h = new("sync-recompress-par-");

    private string P(string name) => _h.P(name);

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task Six_indices_rebuilt_side_by_side_equal_the_outsides_bytes()
    {
        using var key = _h.NewKey();
        await WriteSuitesAsync(day: 1);
        await _h.ApplyAsync((await _h.ExportAsync(key)).Stream);
        await WriteSuitesAsync(day: 2);

        var (second, stream) = await _h.ExportAsync(key);

        Assert.Equal(6, second.Summary.ContentsRecompressed);
        Assert.Equal(6, stream.Frames.OfType<RecompressFrame>().Count());
        await _h.ApplyAsync(stream);
        foreach (var suite in Suites)
        {
            foreach (var name in (string[])["Packages", "Packages.gz", "Packages.xz"])
            {
                var path = $"dists/{suite}/main/binary-amd64/{name}";
                Assert.Equal(await File.ReadAllBytesAsync(P("src/" + path)), await File.ReadAllBytesAsync(P("target/" + path)));
            }
        }
    }

    [Fact]
    public async Task One_mismatch_among_several_rebuilds_refuses_the_generation_and_publishes_nothing()
    {
        using var key = _h.NewKey();
        await WriteSuitesAsync(day: 1);
        await _h.ApplyAsync((await _h.ExportAsync(key)).Stream);
        var before = _h.SnapshotTarget();
        await WriteSuitesAsync(day: 2);
        var (_, stream) = await _h.ExportAsync(key);
        // The second gzip instruction of six, as an inside whose zlib wrote other bytes would see it.
        var index = stream.Frames.FindIndex(stream.Frames.FindIndex(f => f is RecompressFrame { Setting.Format: CompressionFormat.Gzip }) + 1,
            f => f is RecompressFrame { Setting.Format: CompressionFormat.Gzip });
        var frame = (RecompressFrame)stream.Frames[index];
        stream.Frames[index] = frame with { Setting = frame.Setting with { Level = 1 } };

        var e = await Assert.ThrowsAsync<SyncException>(() => _h.ApplyAsync(stream));

        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Contains("does not match the signed manifest", e.Message);
        Assert.Contains("export again with --no-recompress", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(before, _h.SnapshotTarget());
        Assert.Empty(Directory.EnumerateFiles(P("in"), "*.part", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task The_gate_bounds_compressions_by_count_and_by_memory()
    {
        using var gate = new CompressionGate(parallelism: 2, memoryBudget: 100);
        var running = 0;
        var most = 0;
        var tasks = Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
        {
            // 60 of 100: two never fit together; 30: two do; 500: more than the budget, runs alone.
            using (await gate.EnterAsync(i % 3 == 0 ? 60 : i % 3 == 1 ? 30 : 500, CancellationToken.None))
            {
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                await Task.Delay(5);
                Interlocked.Decrement(ref running);
            }
        }));
        await Task.WhenAll(tasks);

        Assert.InRange(most, 1, 2);
        Assert.InRange(gate.PeakInUse, 30, 100);
    }

    [Fact]
    public void Xz_memory_follows_the_input_up_to_what_liblzma_reserves()
    {
        var small = CompressionMemory.Estimate(CompressionSetting.Xz(9), 1 << 20);
        var large = CompressionMemory.Estimate(CompressionSetting.Xz(9), 1L << 34);
        Assert.True(small < 32 << 20, $"{small}");
        Assert.InRange(large, 600L << 20, 800L << 20); // liblzma reserves 674 MiB for preset 9
        Assert.True(CompressionMemory.Estimate(CompressionSetting.Gzip(6), 1L << 34) < 8 << 20);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var seen = Volatile.Read(ref target);
        while (value > seen && Interlocked.CompareExchange(ref target, value, seen) is var actual && actual != seen)
        {
            seen = actual;
        }
    }

    /// <summary>Three suites, each with Packages, .gz (zlib -6) and .xz (preset 6, 9 for the largest), a day rewriting each.</summary>
    private async Task WriteSuitesAsync(int day)
    {
        for (var s = 0; s < Suites.Length; s++)
        {
            var dir = P($"src/dists/{Suites[s]}/main/binary-amd64/");
            Directory.CreateDirectory(dir);
            var plain = IndexFiles.Packages(2000 / (s + 1), seed: 11 + s);
            var changed = IndexFiles.Packages(20, seed: day * 10 + s);
            Array.Copy(changed, 0, plain, plain.Length / 3, changed.Length);
            await File.WriteAllBytesAsync(dir + "Packages", plain);
            await File.WriteAllBytesAsync(dir + "Packages.gz", await CompressorTests.CompressAsync(plain, CompressionSetting.Gzip(6)));
            await File.WriteAllBytesAsync(dir + "Packages.xz", await CompressorTests.CompressAsync(plain, CompressionSetting.Xz(s == 0 ? 9 : 6)));
        }
    }
}

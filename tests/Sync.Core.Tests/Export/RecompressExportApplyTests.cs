using Sync.Core.Apply;
using Sync.Core.Compression;
using Sync.Core.Export;
using Sync.Core.Streams;
using Sync.Core.Tests.Compression;

namespace Sync.Core.Tests.Export;

/// <summary>
/// Compressed indices rebuilt on the inside from their plain text: the outside sends an instruction only for what it
/// reproduced itself, and the inside publishes nothing when its rebuild differs from the signed manifest.
/// </summary>
public sealed class RecompressExportApplyTests : IDisposable
{
    private const string Index = "dists/s/main/binary-amd64/";
    private readonly RecompressHarness _h = new("sync-recompress-");

    private string P(string name) => _h.P(name);

    public void Dispose() => _h.Dispose();

    [Theory]
    [InlineData(PublishMode.Snapshot)]
    [InlineData(PublishMode.InPlace)]
    public async Task A_days_index_update_sends_instructions_and_publishes_the_same_bytes(PublishMode mode)
    {
        using var key = _h.NewKey();
        await WriteIndicesAsync(seed: 1);
        var (first, stream1) = await _h.ExportAsync(key);
        Assert.Equal(2, first.Summary.ContentsRecompressed); // a full generation's are rebuilt from the plain text it carries
        await _h.ApplyAsync(stream1, mode);

        await WriteIndicesAsync(seed: 2);
        var (second, stream2) = await _h.ExportAsync(key);

        // Packages.gz, Packages.xz and the by-hash copy of Packages.xz (one content): two instructions, no bytes for them.
        Assert.Equal(2, second.Summary.ContentsRecompressed);
        var instructions = stream2.Frames.OfType<RecompressFrame>().ToList();
        Assert.Equal(2, instructions.Count);
        Assert.All(instructions, i => Assert.Equal(second.Target.Find(Index + "Packages")!.Digest, i.Source));
        Assert.DoesNotContain(stream2.Frames.OfType<ContentBeginFrame>(), b => instructions.Any(i => i.Digest == b.Digest));
        // Each right after the plain text it is rebuilt from, so the inside starts rebuilding while the stream goes on.
        var plainBegins = stream2.Frames.FindIndex(f => f is ContentBeginFrame b && b.Digest == instructions[0].Source);
        Assert.All(instructions, i => Assert.True(stream2.Frames.IndexOf(i) > plainBegins));

        await _h.ApplyAsync(stream2, mode);
        foreach (var name in (string[])["Packages", "Packages.gz", "Packages.xz", "by-hash/SHA256/xz"])
        {
            Assert.Equal(await File.ReadAllBytesAsync(P("src/" + Index + name)), await File.ReadAllBytesAsync(P("target/" + Index + name)));
        }
    }

    [Fact]
    public async Task A_full_generation_rebuilds_its_compressed_indices_from_the_plain_text_it_carries()
    {
        using var key = _h.NewKey();
        await WriteIndicesAsync(seed: 3);
        var (full, stream) = await _h.ExportAsync(key);
        Assert.Equal(0, full.Header.BaseGeneration);
        await _h.ApplyAsync(stream, PublishMode.Snapshot);
        Assert.Equal(await File.ReadAllBytesAsync(P("src/" + Index + "Packages.xz")), await File.ReadAllBytesAsync(P("target/" + Index + "Packages.xz")));
    }

    [Fact]
    public async Task No_recompress_sends_the_bytes()
    {
        using var key = _h.NewKey();
        await WriteIndicesAsync(seed: 1);
        await _h.ApplyAsync((await _h.ExportAsync(key)).Stream, PublishMode.Snapshot);
        await WriteIndicesAsync(seed: 2);

        var (second, stream) = await _h.ExportAsync(key, new ExportOptions { Recompress = false });
        Assert.Equal(0, second.Summary.ContentsRecompressed);
        Assert.Empty(stream.Frames.OfType<RecompressFrame>());
        await _h.ApplyAsync(stream, PublishMode.Snapshot);
        Assert.Equal(await File.ReadAllBytesAsync(P("src/" + Index + "Packages.gz")), await File.ReadAllBytesAsync(P("target/" + Index + "Packages.gz")));
    }

    [Fact]
    public async Task A_file_no_setting_reproduces_travels_as_bytes()
    {
        using var key = _h.NewKey();
        await WriteIndicesAsync(seed: 1);
        await _h.ApplyAsync((await _h.ExportAsync(key)).Stream, PublishMode.Snapshot);
        await WriteIndicesAsync(seed: 2);
        var gz = await File.ReadAllBytesAsync(P("src/" + Index + "Packages.gz"));
        gz[^5] ^= 1; // the trailer's length: still a readable header, but no setting reproduces the file
        await File.WriteAllBytesAsync(P("src/" + Index + "Packages.gz"), gz);

        var (second, stream) = await _h.ExportAsync(key);
        Assert.Equal(1, second.Summary.ContentsRecompressed); // only the .xz
        await _h.ApplyAsync(stream, PublishMode.Snapshot);
        Assert.Equal(gz, await File.ReadAllBytesAsync(P("target/" + Index + "Packages.gz")));
    }

    /// <summary>
    /// An inside whose compressor writes other bytes (played here by an instruction whose setting was changed on the
    /// way): refused in one line that says what to do, and the published generation stays exactly as it was.
    /// </summary>
    [Theory]
    [InlineData(PublishMode.Snapshot)]
    [InlineData(PublishMode.InPlace)]
    public async Task A_rebuild_that_does_not_match_the_manifest_is_refused_and_nothing_is_published(PublishMode mode)
    {
        using var key = _h.NewKey();
        await WriteIndicesAsync(seed: 1);
        await _h.ApplyAsync((await _h.ExportAsync(key)).Stream, mode);
        var before = _h.SnapshotTarget();
        await WriteIndicesAsync(seed: 2);
        var (_, stream) = await _h.ExportAsync(key);
        var index = stream.Frames.FindIndex(f => f is RecompressFrame { Setting.Format: CompressionFormat.Xz });
        var frame = (RecompressFrame)stream.Frames[index];
        stream.Frames[index] = frame with { Setting = frame.Setting with { Check = XzCheck.Crc32 } };

        var e = await Assert.ThrowsAsync<SyncException>(() => _h.ApplyAsync(stream, mode));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Contains("Packages.xz' rebuilt with xz -6 check 1 does not match the signed manifest", e.Message);
        Assert.Contains("export again with --no-recompress", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(before, _h.SnapshotTarget());
    }

    [Fact]
    public async Task An_instruction_whose_plain_text_the_inside_lacks_is_refused()
    {
        using var key = _h.NewKey();
        await WriteIndicesAsync(seed: 1);
        await _h.ApplyAsync((await _h.ExportAsync(key)).Stream, PublishMode.Snapshot);
        await WriteIndicesAsync(seed: 2);
        var (second, stream) = await _h.ExportAsync(key);
        var plain = second.Target.Find(Index + "Packages")!.Digest;
        var begin = stream.Frames.FindIndex(f => f is ContentBeginFrame b && b.Digest == plain);
        var end = stream.Frames.FindIndex(begin + 1, f => f is not (ChunkFrame or PatchFrame));
        stream.Frames.RemoveRange(begin, end - begin);

        var e = await Assert.ThrowsAsync<SyncException>(() => _h.ApplyAsync(stream, PublishMode.Snapshot));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Contains("which the inside does not hold", e.Message);
    }

    /// <summary>Packages, .gz as reprepro writes it (zlib -6), .xz as xz does (-6), and a by-hash copy of the .xz.</summary>
    private async Task WriteIndicesAsync(int seed)
    {
        Directory.CreateDirectory(P("src/" + Index + "by-hash/SHA256"));
        var plain = IndexFiles.Packages(3000, seed: 7);
        var changed = IndexFiles.Packages(30, seed);
        Array.Copy(changed, 0, plain, plain.Length / 2, changed.Length); // a day: some stanzas rewritten in the middle
        await File.WriteAllBytesAsync(P("src/" + Index + "Packages"), plain);
        await File.WriteAllBytesAsync(P("src/" + Index + "Packages.gz"), await CompressorTests.CompressAsync(plain, CompressionSetting.Gzip(6)));
        var xz = await CompressorTests.CompressAsync(plain, CompressionSetting.Xz(6));
        await File.WriteAllBytesAsync(P("src/" + Index + "Packages.xz"), xz);
        await File.WriteAllBytesAsync(P("src/" + Index + "by-hash/SHA256/xz"), xz);
    }
}

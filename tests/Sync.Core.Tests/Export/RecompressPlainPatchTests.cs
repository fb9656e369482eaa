using Sync.Core.Apply;
using Sync.Core.Compression;
using Sync.Core.Export;
using Sync.Core.Streams;
using Sync.Core.Tests.Compression;

namespace Sync.Core.Tests.Export;

/// <summary>
/// Indices a repository ships only compressed (Packages.xz and .gz, no plain Packages): a day sends the delta of the
/// plain text and the setting; the inside decompresses its published copy, patches, recompresses and checks.
/// </summary>
public sealed class RecompressPlainPatchTests : IDisposable
{
    private const string Index = "dists/s/main/binary-amd64/";
    private readonly RecompressHarness _h = new("sync-plainpatch-");

    private string P(string name) => _h.P(name);

    public void Dispose() => _h.Dispose();

    [Fact]
    public async Task A_days_update_travels_as_a_plain_text_delta_and_publishes_the_same_bytes()
    {
        using var key = _h.NewKey();
        await WriteIndicesAsync(day: 1);
        var (first, stream1) = await _h.ExportAsync(key);
        Assert.Equal(0, first.Summary.ContentsRecompressed); // a full generation: nothing on the inside to patch
        await _h.ApplyAsync(stream1);

        await WriteIndicesAsync(day: 2);
        var (second, stream2) = await _h.ExportAsync(key);

        var instructions = stream2.Frames.OfType<RecompressFrame>().ToList();
        Assert.Equal(2, instructions.Count);
        Assert.All(instructions, i => Assert.True(i.PlainPatch));
        Assert.Equal(2, second.Summary.ContentsRecompressed);
        var xz = await File.ReadAllBytesAsync(P("src/" + Index + "Packages.xz"));
        Assert.True(second.Summary.PayloadBytes < xz.Length / 4, $"{second.Summary.PayloadBytes} bytes for a {xz.Length}-byte .xz");
        await _h.ApplyAsync(stream2);
        foreach (var name in (string[])["Packages.gz", "Packages.xz"])
        {
            Assert.Equal(await File.ReadAllBytesAsync(P("src/" + Index + name)), await File.ReadAllBytesAsync(P("target/" + Index + name)));
        }

        Assert.False(File.Exists(P("target/" + Index + "Packages")));
        Assert.Empty(Directory.EnumerateFiles(P("in"), "*.part", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_patched_rebuild_that_does_not_match_is_refused_and_nothing_is_published()
    {
        using var key = _h.NewKey();
        await WriteIndicesAsync(day: 1);
        await _h.ApplyAsync((await _h.ExportAsync(key)).Stream);
        var before = _h.SnapshotTarget();
        await WriteIndicesAsync(day: 2);
        var (_, stream) = await _h.ExportAsync(key);
        // A literal of the plain-text patch altered on the way: the recompressed file cannot match the signed digest.
        var index = stream.Frames.FindIndex(f => f is RecompressFrame) + 1;
        var patch = (PatchFrame)stream.Frames[index];
        var literal = patch.Ops.Select((op, i) => (op, i)).First(x => !x.op.IsCopy && x.op.Data.Length > 0);
        var altered = literal.op.Data.ToArray();
        altered[0] ^= 1;
        var ops = patch.Ops.ToArray();
        ops[literal.i] = Sync.Core.Delta.DeltaOp.Literal(altered);
        stream.Frames[index] = patch with { Ops = ops };

        var e = await Assert.ThrowsAsync<SyncException>(() => _h.ApplyAsync(stream));

        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Contains("does not match the signed manifest", e.Message);
        Assert.Contains("export again with --no-recompress", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal(before, _h.SnapshotTarget());
        Assert.Empty(Directory.EnumerateFiles(P("in"), "*.part", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Without_the_old_plain_signature_the_file_travels_as_bytes()
    {
        using var key = _h.NewKey();
        await WriteIndicesAsync(day: 1);
        await _h.ApplyAsync((await _h.ExportAsync(key)).Stream);
        Directory.Delete(P("out/plain-signatures"), recursive: true);
        await WriteIndicesAsync(day: 2);

        var (second, stream) = await _h.ExportAsync(key);

        Assert.Equal(0, second.Summary.ContentsRecompressed);
        await _h.ApplyAsync(stream);
        Assert.Equal(await File.ReadAllBytesAsync(P("src/" + Index + "Packages.xz")), await File.ReadAllBytesAsync(P("target/" + Index + "Packages.xz")));
    }

    /// <summary>Only Packages.gz (zlib -6) and Packages.xz (preset 9), as Ubuntu's archive ships them; a day rewrites some stanzas.</summary>
    private async Task WriteIndicesAsync(int day)
    {
        Directory.CreateDirectory(P("src/" + Index));
        var plain = IndexFiles.Packages(3000, seed: 5);
        var changed = IndexFiles.Packages(25, seed: 100 + day);
        Array.Copy(changed, 0, plain, plain.Length / 2, changed.Length);
        await File.WriteAllBytesAsync(P("src/" + Index + "Packages.gz"), await CompressorTests.CompressAsync(plain, CompressionSetting.Gzip(6)));
        await File.WriteAllBytesAsync(P("src/" + Index + "Packages.xz"), await CompressorTests.CompressAsync(plain, CompressionSetting.Xz(9)));
    }
}

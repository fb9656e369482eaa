using System.IO.Compression;
using Sync.Core.Compression;
using Sync.Testing.FileSystem;
using Sync.Testing.Requirements;

namespace Sync.Core.Tests.Compression;

public sealed class CompressionProverTests
{
    [Theory]
    [InlineData(9, 0u, null)]
    [InlineData(6, 1700000000u, "Packages")]
    [InlineData(3, 42u, null)]
    [InlineData(1, 0u, "x")]
    public async Task Finds_the_gzip_setting_with_the_headers_own_fields(int level, uint mtime, string? name)
    {
        using var dir = new TempDirectory();
        var plain = IndexFiles.Packages(2000, seed: level);
        var setting = CompressionSetting.Gzip(level, mtime, name: name is null ? null : System.Text.Encoding.Latin1.GetBytes(name));
        await File.WriteAllBytesAsync(dir.Combine("Packages"), plain);
        await File.WriteAllBytesAsync(dir.Combine("Packages.gz"), await CompressorTests.CompressAsync(plain, setting));

        Assert.Equal(setting, await CompressionProver.ProveAsync(dir.Combine("Packages"), dir.Combine("Packages.gz"), CancellationToken.None));
    }

    [Theory]
    [InlineData(0, false, XzCheck.Crc64)]
    [InlineData(6, false, XzCheck.Crc32)]
    [InlineData(5, false, XzCheck.Crc64)]
    [InlineData(6, true, XzCheck.Sha256)]
    public async Task Finds_the_xz_setting(int preset, bool extreme, int check)
    {
        using var dir = new TempDirectory();
        var plain = IndexFiles.Packages(1500, seed: preset);
        var setting = CompressionSetting.Xz(preset, extreme, check);
        await File.WriteAllBytesAsync(dir.Combine("Packages"), plain);
        await File.WriteAllBytesAsync(dir.Combine("Packages.xz"), await CompressorTests.CompressAsync(plain, setting));

        Assert.Equal(setting, await CompressionProver.ProveAsync(dir.Combine("Packages"), dir.Combine("Packages.xz"), CancellationToken.None));
    }

    [Fact]
    public async Task Declines_the_framework_gzip_whose_deflate_is_not_zlibs()
    {
        using var dir = new TempDirectory();
        var plain = IndexFiles.Packages(2000);
        await File.WriteAllBytesAsync(dir.Combine("Packages"), plain);
        await using (var file = File.Create(dir.Combine("Packages.gz")))
        await using (var gzip = new GZipStream(file, CompressionLevel.SmallestSize))
        {
            await gzip.WriteAsync(plain);
        }

        Assert.Null(await CompressionProver.ProveAsync(dir.Combine("Packages"), dir.Combine("Packages.gz"), CancellationToken.None));
    }

    [Fact]
    public async Task Declines_when_the_plain_text_is_not_what_was_compressed()
    {
        using var dir = new TempDirectory();
        var plain = IndexFiles.Packages(2000);
        await File.WriteAllBytesAsync(dir.Combine("Packages.gz"), await CompressorTests.CompressAsync(plain, CompressionSetting.Gzip(9)));
        plain[^10] ^= 1;
        await File.WriteAllBytesAsync(dir.Combine("Packages"), plain);

        Assert.Null(await CompressionProver.ProveAsync(dir.Combine("Packages"), dir.Combine("Packages.gz"), CancellationToken.None));
    }

    [Fact]
    public async Task Declines_a_compressed_file_with_extra_bytes_after_the_stream()
    {
        using var dir = new TempDirectory();
        var plain = IndexFiles.Packages(100);
        await File.WriteAllBytesAsync(dir.Combine("Packages"), plain);
        await File.WriteAllBytesAsync(dir.Combine("Packages.xz"), [.. await CompressorTests.CompressAsync(plain, CompressionSetting.Xz(6)), 0, 0, 0, 0]);

        Assert.Null(await CompressionProver.ProveAsync(dir.Combine("Packages"), dir.Combine("Packages.xz"), CancellationToken.None));
    }

    [Fact]
    public void Has_no_candidates_for_what_is_neither_gzip_nor_xz()
    {
        Assert.Empty(CompressionProver.Candidates("BZh91AY&SY"u8));
        Assert.Empty(CompressionProver.Candidates([]));
        Assert.Empty(CompressionProver.Candidates([0x1f, 0x8b, 8, 0x10, 0, 0, 0, 0, 0, 3, (byte)'c', 0])); // a comment: a header we do not write
    }

    /// <summary>The headers come from files on the outside's source: no input, however malformed, makes the candidate list throw.</summary>
    [Fact]
    public void Reading_candidates_from_arbitrary_bytes_never_throws()
    {
        var random = new Random(11);
        byte[][] prefixes = [[0x1f, 0x8b, 8], [0xfd, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0, 0]];
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[random.Next(0, 64)];
            random.NextBytes(bytes);
            var prefix = prefixes[i % 2];
            prefix.AsSpan(0, Math.Min(prefix.Length, bytes.Length)).CopyTo(bytes);
            Assert.All(CompressionProver.Candidates(bytes), c => Assert.Null(c.Problem()));
        }
    }

    /// <summary>
    /// apt-ftparchive writes .gz through zlib (default level) and .xz through liblzma (preset 6), each followed by an empty
    /// stream of the same kind that APT writes when it closes the file: both reproduced.
    /// </summary>
    [ToolFact("apt-ftparchive", "dpkg-deb")]
    public async Task Reproduces_apt_ftparchive()
    {
        using var dir = new TempDirectory();
        var pool = dir.CreateSubdirectory("pool");
        var index = dir.CreateSubdirectory("dists/x/main/binary-amd64");
        for (var i = 0; i < 40; i++)
        {
            var build = dir.CreateSubdirectory($"build/p{i}/DEBIAN");
            await File.WriteAllTextAsync(Path.Combine(build, "control"),
                $"Package: p{i}\nVersion: 1.{i}\nArchitecture: amd64\nMaintainer: M <m{i}@example.org>\nDescription: package {i}\n text {i * 7919}\n");
            await IndexFiles.RunAsync("dpkg-deb", $"-Zgzip --build {dir.Combine($"build/p{i}")} {Path.Combine(pool, $"p{i}_1.{i}_amd64.deb")}");
        }

        await File.WriteAllTextAsync(dir.Combine("conf"),
            "Dir { ArchiveDir \".\"; };\nDefault { Packages::Compress \". gzip xz\"; };\nBinDirectory \"pool\" { Packages \"dists/x/main/binary-amd64/Packages\"; };\n");
        await IndexFiles.RunAsync("apt-ftparchive", "generate conf", workingDirectory: dir.Path);

        var plain = Path.Combine(index, "Packages");
        Assert.True(new FileInfo(plain).Length > 1000);
        Assert.Equal(CompressionSetting.Gzip(6) with { EmptyStreamAfter = true }, await CompressionProver.ProveAsync(plain, plain + ".gz", CancellationToken.None));
        Assert.Equal(CompressionSetting.Xz(6) with { EmptyStreamAfter = true }, await CompressionProver.ProveAsync(plain, plain + ".xz", CancellationToken.None));
    }
}

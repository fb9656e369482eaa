using System.IO.Compression;
using Sync.Core.Compression;
using Sync.Testing.FileSystem;
using Sync.Testing.Requirements;

namespace Sync.Core.Tests.Compression;

/// <summary>The system zlib and liblzma through <see cref="Compressor"/>: round trips, and byte-for-byte reproduction of each tool's output.</summary>
public sealed class CompressorTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(9)]
    public async Task Gzip_round_trips_through_the_framework_decoder(int level)
    {
        var plain = IndexFiles.Packages(3000);
        var compressed = await CompressAsync(plain, CompressionSetting.Gzip(level, mtime: 1234, name: "Packages"u8.ToArray()));

        using var decoder = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var back = new MemoryStream();
        await decoder.CopyToAsync(back);
        Assert.Equal(plain, back.ToArray());
        Assert.Equal(1234u, BitConverter.ToUInt32(compressed, 4));
        Assert.Equal("Packages\0"u8.ToArray(), compressed.AsSpan(10, 9).ToArray());
    }

    [Fact]
    public async Task Zlib_round_trips_through_the_framework_decoder()
    {
        var plain = IndexFiles.Packages(500);
        var compressed = await CompressAsync(plain, new CompressionSetting { Format = CompressionFormat.Zlib, Level = 9 });

        using var decoder = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var back = new MemoryStream();
        await decoder.CopyToAsync(back);
        Assert.Equal(plain, back.ToArray());
    }

    [Fact]
    public async Task Empty_input_still_makes_a_complete_stream()
    {
        var compressed = await CompressAsync([], CompressionSetting.Gzip(9));
        using var decoder = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        Assert.Equal(-1, decoder.ReadByte());
    }

    [ToolFact("xz")]
    public async Task Xz_round_trips_through_the_xz_tool()
    {
        using var dir = new TempDirectory();
        var plain = IndexFiles.Packages(2000);
        await File.WriteAllBytesAsync(dir.Combine("Packages.xz"), await CompressAsync(plain, CompressionSetting.Xz(6, check: XzCheck.Crc32)));

        await IndexFiles.RunAsync("xz", "-dc", stdinPath: dir.Combine("Packages.xz"), stdoutPath: dir.Combine("back"));
        Assert.Equal(plain, await File.ReadAllBytesAsync(dir.Combine("back")));
    }

    [Fact]
    public async Task A_setting_out_of_range_is_refused_before_any_native_call()
    {
        var bad = CompressionSetting.Gzip(9) with { WindowBits = 30 };
        await Assert.ThrowsAsync<CompressionUnavailableException>(() => CompressAsync([1, 2, 3], bad));
    }

    /// <summary>
    /// GNU gzip has its own deflate, not zlib's: found here that neither -9n nor -n output is reproduced at any level
    /// the prover tries, so it declines and such a file travels as bytes (dak's and reprepro's zlib output is reproduced).
    /// </summary>
    [ToolFact("gzip")]
    public async Task Gzip_tool_output_is_not_reproduced_and_the_prover_declines()
    {
        using var dir = new TempDirectory();
        var plainPath = dir.Combine("Packages");
        await File.WriteAllBytesAsync(plainPath, IndexFiles.Packages(4000));
        foreach (var arguments in (string[])["-9n", "-n"])
        {
            await IndexFiles.RunAsync("gzip", $"{arguments} -c", stdinPath: plainPath, stdoutPath: plainPath + ".gz");
            Assert.Null(await CompressionProver.ProveAsync(plainPath, plainPath + ".gz", CancellationToken.None));
        }
    }

    [ToolFact("xz")]
    public async Task Xz_default_is_reproduced() => await AssertToolReproducedAsync("xz", "-T1", ".xz", CompressionSetting.Xz(6));

    [ToolFact("xz")]
    public async Task Xz_9e_is_reproduced() => await AssertToolReproducedAsync("xz", "-T1 -9e", ".xz", CompressionSetting.Xz(9, extreme: true));

    [ToolFact("xz")]
    public async Task Xz_with_a_crc32_check_is_reproduced() => await AssertToolReproducedAsync("xz", "-T1 -C crc32", ".xz", CompressionSetting.Xz(6, check: XzCheck.Crc32));

    /// <summary>The tool's file equals ours with the expected setting, and the prover finds that same setting on its own.</summary>
    private static async Task AssertToolReproducedAsync(string tool, string arguments, string extension, CompressionSetting expected)
    {
        using var dir = new TempDirectory();
        var plainPath = dir.Combine("Packages");
        await File.WriteAllBytesAsync(plainPath, IndexFiles.Packages(4000));
        var toolPath = plainPath + extension;
        await IndexFiles.RunAsync(tool, $"{arguments} -c", stdinPath: plainPath, stdoutPath: toolPath);

        var ours = await CompressAsync(await File.ReadAllBytesAsync(plainPath), expected);
        Assert.Equal(await File.ReadAllBytesAsync(toolPath), ours);
        Assert.Equal(expected, await CompressionProver.ProveAsync(plainPath, toolPath, CancellationToken.None));
    }

    internal static async Task<byte[]> CompressAsync(byte[] plain, CompressionSetting setting)
    {
        using var output = new MemoryStream();
        await Compressor.CompressAsync(new MemoryStream(plain), setting, output, CancellationToken.None);
        return output.ToArray();
    }
}

using Sync.Core.Compression;

namespace Sync.Core.Tests.Compression;

/// <summary>Plain text of indices shipped only compressed: every member or stream read, bombs and damage refused.</summary>
public sealed class DecompressorTests
{
    [Theory]
    [InlineData(CompressionFormat.Gzip)]
    [InlineData(CompressionFormat.Xz)]
    public async Task A_file_with_an_empty_stream_after_it_decompresses_to_its_plain_text(CompressionFormat format)
    {
        var plain = IndexFiles.Packages(1500);
        var setting = (format == CompressionFormat.Xz ? CompressionSetting.Xz(9) : CompressionSetting.Gzip(6)) with { EmptyStreamAfter = true };
        var compressed = await CompressorTests.CompressAsync(plain, setting);

        using var back = new MemoryStream();
        var length = await Decompressor.DecompressAsync(new MemoryStream(compressed), format, back, 1L << 30, CancellationToken.None);

        Assert.Equal(plain.Length, length);
        Assert.Equal(plain, back.ToArray());
    }

    [Theory]
    [InlineData(CompressionFormat.Gzip)]
    [InlineData(CompressionFormat.Xz)]
    public async Task More_plain_text_than_the_limit_is_refused(CompressionFormat format)
    {
        var compressed = await CompressorTests.CompressAsync(new byte[4 << 20], format == CompressionFormat.Xz ? CompressionSetting.Xz(6) : CompressionSetting.Gzip(6));
        await Assert.ThrowsAsync<InvalidDataException>(() =>
            Decompressor.DecompressAsync(new MemoryStream(compressed), format, Stream.Null, 1 << 20, CancellationToken.None));
    }

    [Theory]
    [InlineData(CompressionFormat.Gzip)]
    [InlineData(CompressionFormat.Xz)]
    public async Task A_truncated_or_damaged_file_is_refused(CompressionFormat format)
    {
        var compressed = await CompressorTests.CompressAsync(IndexFiles.Packages(300), format == CompressionFormat.Xz ? CompressionSetting.Xz(6) : CompressionSetting.Gzip(6));
        if (format == CompressionFormat.Xz)
        {
            // .NET's gzip reader ends quietly at a cut member; what is rebuilt from it is caught by the signed digest.
            await Assert.ThrowsAnyAsync<InvalidDataException>(() =>
                Decompressor.DecompressAsync(new MemoryStream(compressed[..(compressed.Length / 2)]), format, Stream.Null, 1L << 30, CancellationToken.None));
        }

        compressed[compressed.Length / 2] ^= 0x55;
        await Assert.ThrowsAnyAsync<InvalidDataException>(() =>
            Decompressor.DecompressAsync(new MemoryStream(compressed), format, Stream.Null, 1L << 30, CancellationToken.None));
    }
}

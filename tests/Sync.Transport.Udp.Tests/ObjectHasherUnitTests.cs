using System.Security.Cryptography;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

public sealed class ObjectHasherUnitTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4_999)]
    [InlineData(3 << 20)]
    public async Task Digest_covers_the_object_length_not_the_padding_of_its_last_symbol(int length)
    {
        using var dir = new TempDirectory();
        var layout = new ObjectLayout(length, 1000, 16);
        var data = new byte[length];
        new Random(length).NextBytes(data);
        string path = Path.Combine(dir.Path, "object");
        WritePadded(path, data, layout);

        await using var hasher = new ObjectHasher(path, layout);
        // Out of order and repeated, as the decode loop may report: only the furthest prefix counts.
        for (long blocks = layout.BlockCount; blocks >= 0; blocks -= 3)
        {
            hasher.Advance(blocks);
        }

        for (long blocks = 0; blocks <= layout.BlockCount; blocks++)
        {
            hasher.Advance(blocks);
        }

        byte[]? digest = await hasher.DigestAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(SHA256.HashData(data), digest);
    }

    [Fact]
    public async Task Waits_for_the_last_block_and_hashes_what_is_on_disk_by_then()
    {
        using var dir = new TempDirectory();
        var layout = new ObjectLayout(10_000, 100, 10);
        var data = new byte[10_000];
        new Random(7).NextBytes(data);
        string path = Path.Combine(dir.Path, "object");
        WritePadded(path, data, layout);

        await using var hasher = new ObjectHasher(path, layout);
        hasher.Advance(layout.BlockCount - 1);
        Task<byte[]?> digest = hasher.DigestAsync(CancellationToken.None);
        await Task.Delay(200);
        Assert.False(digest.IsCompleted);

        // The last block is rewritten before it is reported complete: the digest must see the final bytes.
        data[^1] ^= 0xFF;
        WritePadded(path, data, layout);
        hasher.Advance(layout.BlockCount);
        Assert.Equal(SHA256.HashData(data), await digest.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task Disposed_before_the_object_is_complete_gives_no_digest()
    {
        using var dir = new TempDirectory();
        var layout = new ObjectLayout(5_000, 100, 10);
        string path = Path.Combine(dir.Path, "object");
        WritePadded(path, new byte[5_000], layout);

        var hasher = new ObjectHasher(path, layout);
        hasher.Advance(2);
        Task<byte[]?> digest = hasher.DigestAsync(CancellationToken.None);
        await hasher.DisposeAsync();
        Assert.Null(await digest.WaitAsync(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_file_shorter_than_its_layout_gives_no_digest()
    {
        using var dir = new TempDirectory();
        var layout = new ObjectLayout(5_000, 100, 10);
        string path = Path.Combine(dir.Path, "object");
        File.WriteAllBytes(path, new byte[1_000]);

        await using var hasher = new ObjectHasher(path, layout);
        hasher.Advance(layout.BlockCount);
        Assert.Null(await hasher.DigestAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
    }

    private static void WritePadded(string path, byte[] data, ObjectLayout layout)
    {
        var padded = new byte[layout.SymbolCount * layout.SymbolSize];
        data.CopyTo(padded, 0);
        File.WriteAllBytes(path, padded);
    }
}

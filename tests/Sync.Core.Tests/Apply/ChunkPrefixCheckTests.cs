using Sync.Core.Apply;
using Sync.Core.FileSystem;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.Apply;

/// <summary>
/// The check reads chunks at any offset through O_DIRECT's aligned blocks, several at once: whatever the offsets,
/// sizes and file length, it answers the chunks in order up to the first one missing or damaged.
/// </summary>
public sealed class ChunkPrefixCheckTests : IDisposable
{
    private readonly TempDirectory _dir = new("sync-prefix-");
    private readonly IDirectoryTree _tree;

    public ChunkPrefixCheckTests() => _tree = LinuxFileSystem.Instance.TryOpenTree(_dir.Path)!;

    public void Dispose()
    {
        _tree.Dispose();
        _dir.Dispose();
    }

    private static (byte[] Data, List<ChunkRef> Chunks) File(params int[] lengths)
    {
        var random = new Random(lengths.Sum());
        var data = new byte[lengths.Sum()];
        random.NextBytes(data);
        var chunks = new List<ChunkRef>();
        var at = 0;
        foreach (var length in lengths)
        {
            chunks.Add(new ChunkRef(Digest.Compute(data.AsSpan(at, length)), length));
            at += length;
        }

        return (data, chunks);
    }

    private Task<List<ChunkRef>> CheckAsync(byte[] onDisk, List<ChunkRef> chunks)
    {
        System.IO.File.WriteAllBytes(_dir.Combine("f"), onDisk);
        return new ChunkPrefixCheck().VerifiedPrefixAsync(_tree, "f", chunks, CancellationToken.None);
    }

    [Fact]
    public void The_test_directory_reads_past_the_page_cache()
    {
        System.IO.File.WriteAllBytes(_dir.Combine("f"), [1, 2, 3]);
        using var handle = _tree.TryOpenReadDirect("f");
        Assert.True(handle?.IsDirect); // ext4 here: the checks below take the aligned path
    }

    [Theory]
    [InlineData(new[] { 1 })]
    [InlineData(new[] { 4096 })]
    [InlineData(new[] { 4095, 1, 4097, 12289 })]
    [InlineData(new[] { 700_001, 524_288, 3, 1_048_577, 65_535, 8 << 20 })]
    public async Task A_whole_file_matches_every_chunk(int[] lengths)
    {
        var (data, chunks) = File(lengths);
        Assert.Equal(chunks, await CheckAsync(data, chunks));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4096)]
    [InlineData(700_000)]
    [InlineData(2_000_000)]
    public async Task A_damaged_byte_ends_the_prefix_at_its_chunk(int at)
    {
        var (data, chunks) = File(4095, 700_001, 524_288, 3, 1_048_577, 65_535, 300_000);
        data[at] ^= 0x01;
        var expected = 0;
        for (long end = chunks[0].Length; end <= at; end += chunks[++expected].Length)
        {
        }

        Assert.Equal(chunks.Take(expected), await CheckAsync(data, chunks));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(4094, 0)]
    [InlineData(4095, 1)]
    [InlineData(704_095, 1)]
    [InlineData(704_096, 2)]
    public async Task A_short_file_keeps_only_its_whole_chunks(int length, int whole)
    {
        var (data, chunks) = File(4095, 700_001, 524_288);
        Assert.Equal(chunks.Take(whole), await CheckAsync(data[..length], chunks));
    }
}

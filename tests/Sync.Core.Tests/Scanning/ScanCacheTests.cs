using System.Text;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Scanning;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.Scanning;

/// <summary>Issue 9 (found by the scan-cache fuzz target): a damaged scan cache costs a re-hash, never an exception or a runaway allocation.</summary>
public sealed class ScanCacheTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(int.MaxValue, 0)]
    [InlineData(-1, 0)]
    [InlineData(1, int.MaxValue)]
    [InlineData(1, -5)]
    public void Impossible_counts_load_as_an_empty_cache_without_allocating_them(int files, int chunks)
    {
        var path = _temp.Combine("scan-cache.bin");
        using (var writer = new BinaryWriter(File.Create(path), Encoding.UTF8))
        {
            writer.Write(0x31435353u);
            writer.Write(files);
            writer.Write("dists/stable/Release");
            writer.Write(100L);
            writer.Write(1L);
            writer.Write(1L);
            writer.Write(1UL);
            writer.Write(1UL);
            writer.Write(new byte[32]);
            writer.Write(chunks);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var cache = ScanCache.Load(path);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, cache.Count);
        Assert.True(allocated < 1 << 20, $"loading a {new FileInfo(path).Length}-byte cache allocated {allocated} bytes");
    }

    [Fact]
    public void An_entry_whose_chunks_do_not_make_up_its_size_is_not_trusted()
    {
        var path = _temp.Combine("scan-cache.bin");
        var cache = new ScanCache();
        cache.Set("good", new CachedFile(10, 1, 1, 1, 1, Digest.Compute([1]), [new ChunkRef(Digest.Compute([2]), 10)]));
        cache.Set("short", new CachedFile(10, 1, 1, 1, 1, Digest.Compute([1]), [new ChunkRef(Digest.Compute([2]), 9)]));
        cache.Set("negative", new CachedFile(0, 1, 1, 1, 1, Digest.Compute([1]), [new ChunkRef(Digest.Compute([2]), -1), new ChunkRef(Digest.Compute([2]), 1)]));
        cache.Save(path);

        var loaded = ScanCache.Load(path);
        Assert.NotNull(loaded.Find("good"));
        Assert.Null(loaded.Find("short"));
        Assert.Null(loaded.Find("negative"));
    }

    [Fact]
    public async Task A_files_plain_sha256_survives_the_cache_and_an_entry_without_it_is_read_again_when_wanted()
    {
        var root = Directory.CreateDirectory(_temp.Combine("tree")).FullName;
        var bytes = new byte[3 << 20];
        new Random(7).NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(root, "big.deb"), bytes);
        using var signatures = new Sync.Core.Storage.SignatureStore(_temp.Combine("signatures"));
        var scanner = new TreeScanner(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var wants = new ScanOptions { WantsContentSha256 = true };

        var plain = await scanner.ScanAsync(root, new ScanCache(), signatures, new ScanOptions(), new OperationProgress(), CancellationToken.None);
        Assert.Null(plain.ContentSha256("big.deb"));
        var path = _temp.Combine("scan-cache.bin");
        plain.Cache.Save(path);

        var first = await scanner.ScanAsync(root, ScanCache.Load(path), signatures, wants, new OperationProgress(), CancellationToken.None);
        Assert.Equal(1, first.FilesHashed); // cached without the hash: read once more
        Assert.Equal(Digest.Compute(bytes), first.ContentSha256("big.deb"));
        first.Cache.Save(path);

        var second = await scanner.ScanAsync(root, ScanCache.Load(path), signatures, wants, new OperationProgress(), CancellationToken.None);
        Assert.Equal(0, second.FilesHashed);
        Assert.Equal(Digest.Compute(bytes), second.ContentSha256("big.deb"));
    }

    [Fact]
    public void A_found_path_comes_back_as_the_caches_own_string_and_a_missing_one_as_itself()
    {
        var path = _temp.Combine("scan-cache.bin");
        var digest = Digest.Compute([1]);
        var saved = new ScanCache(1);
        saved.Set("pool/main/a/a.deb", new CachedFile(1, 2, 3, 4, 5, digest, [new ChunkRef(digest, 1)]));
        saved.Save(path);
        var cache = ScanCache.Load(path);

        var lookedUp = new StringBuilder("pool/main/a/").Append("a.deb").ToString();
        var found = cache.Find(lookedUp, out var shared);
        Assert.NotNull(found);
        Assert.Equal(lookedUp, shared);
        Assert.NotSame(lookedUp, shared);
        Assert.NotNull(cache.Find(new StringBuilder("pool/main/a/a.deb").ToString(), out var again));
        Assert.Same(shared, again);

        var absent = new StringBuilder("pool/main/b/b.deb").ToString();
        Assert.Null(cache.Find(absent, out var itself));
        Assert.Same(absent, itself);
    }
}

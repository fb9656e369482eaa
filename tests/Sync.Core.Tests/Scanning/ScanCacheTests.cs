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
        cache.Set(Cached("good", 10, [new ChunkRef(Digest.Compute([2]), 10)]));
        cache.Set(Cached("short", 10, [new ChunkRef(Digest.Compute([2]), 9)]));
        cache.Set(Cached("negative", 0, [new ChunkRef(Digest.Compute([2]), -1), new ChunkRef(Digest.Compute([2]), 1)]));
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
    public async Task A_rescan_hands_on_the_cached_entry_of_an_unchanged_file_and_keeps_its_mode()
    {
        var root = Directory.CreateDirectory(_temp.Combine("tree")).FullName;
        var file = Path.Combine(root, "a.deb");
        File.WriteAllBytes(file, [1, 2, 3]);
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        using var signatures = new Sync.Core.Storage.SignatureStore(_temp.Combine("signatures"));
        var scanner = new TreeScanner(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var path = _temp.Combine("scan-cache.bin");
        var first = await scanner.ScanAsync(root, new ScanCache(), signatures, new ScanOptions(), new OperationProgress(), CancellationToken.None);
        first.Cache.Save(path);

        var cache = ScanCache.Load(path);
        var rescan = await scanner.ScanAsync(root, cache, signatures, new ScanOptions(), new OperationProgress(), CancellationToken.None);

        Assert.Equal(0, rescan.FilesHashed);
        var entry = Assert.Single(rescan.Entries, e => e.IsFile);
        Assert.Same(cache.Find("a.deb")!.Entry, entry);
        var hashed = first.Entries.Single(e => e.IsFile);
        Assert.True(hashed.SameFileAs(entry));
        Assert.Equal(hashed.Chunks, entry.Chunks);
        Assert.Equal(0b110_000_100, entry.Mode & 0x1FF);
    }

    [Fact]
    public async Task An_older_cache_without_modes_is_trusted_and_the_entry_takes_the_files_mode()
    {
        var root = Directory.CreateDirectory(_temp.Combine("tree")).FullName;
        var file = Path.Combine(root, "a.deb");
        File.WriteAllBytes(file, [1, 2, 3]);
        var status = Sync.Core.Posix.Posix.LStat(file);
        var chunk = Digest.Compute([1, 2, 3]);
        var path = _temp.Combine("scan-cache.bin");
        using (var writer = new BinaryWriter(File.Create(path), Encoding.UTF8))
        {
            writer.Write(0x32435353u); // SSC2: no mode
            writer.Write(1);
            writer.Write("a.deb");
            writer.Write(status.Size);
            writer.Write(status.MtimeNs);
            writer.Write(status.CtimeNs);
            writer.Write(status.Inode);
            writer.Write(status.Device);
            writer.Write(Digest.Compute(chunk.ToArray()).ToArray());
            writer.Write(1);
            writer.Write(chunk.ToArray());
            writer.Write(3);
            writer.Write((byte)0);
        }

        using var signatures = new Sync.Core.Storage.SignatureStore(_temp.Combine("signatures"));
        var rescan = await new TreeScanner(Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance).ScanAsync(
            root, ScanCache.Load(path), signatures, new ScanOptions(), new OperationProgress(), CancellationToken.None);

        Assert.Equal(0, rescan.FilesHashed);
        var entry = Assert.Single(rescan.Entries, e => e.IsFile);
        Assert.Equal(status.Mode, entry.Mode);
        Assert.Equal(status.Mode, rescan.Cache.Find("a.deb")!.Entry.Mode);
    }

    private static CachedFile Cached(string path, long size, ChunkRef[] chunks) =>
        CachedFile.Create(new ManifestEntry(path, EntryKind.File, 0x1A4, 1, size, Digest.Compute([1]), chunks, null), 1, 1, 1);
}

using Microsoft.Extensions.Logging.Abstractions;
using Sync.Core.Manifests;
using Sync.Core.Scanning;
using Sync.Core.Storage;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.Scanning;

/// <summary>
/// The walk shares a tree's subtrees between threads and a rescan updates the last scan's cache in place: the entries,
/// the cache and what was skipped must be what one thread and a fresh cache would give, whatever the threads did.
/// </summary>
public sealed class TreeWalkerTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly SignatureStore _signatures;
    private readonly string _root;

    public TreeWalkerTests()
    {
        _signatures = new SignatureStore(_temp.CreateSubdirectory("state"));
        _root = _temp.CreateSubdirectory("tree");
    }

    public void Dispose()
    {
        _signatures.Dispose();
        _temp.Dispose();
    }

    [Theory]
    [InlineData(20261206)]
    [InlineData(7)]
    public async Task Several_threads_find_what_one_thread_finds(int seed)
    {
        var random = new Random(seed);
        MakeTree(random, directories: 300, depth: 4);

        var one = await ScanAsync(new ScanCache(), parallelism: 1);
        var four = await ScanAsync(new ScanCache(), parallelism: 4);

        Assert.Equal(Describe(one.Entries), Describe(four.Entries));
        Assert.Equal(one.Skipped, four.Skipped);
        Assert.Single(four.Skipped, p => p.EndsWith("/fifo", StringComparison.Ordinal));
        Assert.True(Directory.GetDirectories(_root).Length >= 4 * 16, "the tree has enough subtrees for four threads to share");
        Assert.Equal(
            one.Entries.Select(e => e.Path).Order(Comparer<string>.Create(Sync.Core.Paths.RelativePath.Compare)),
            four.Entries.Select(e => e.Path));
    }

    [Fact]
    public async Task A_rescan_keeps_the_unchanged_files_entries_and_forgets_the_removed_ones()
    {
        MakeTree(new Random(3), directories: 120, depth: 3);
        var first = await ScanAsync(new ScanCache(), parallelism: 2);
        var files = first.Entries.Where(e => e.IsFile).Select(e => e.Path).ToList();
        Assert.True(files.Count > 100);
        var cache = first.Cache;

        var removed = files[10];
        var rewritten = files[20];
        var modeChanged = files[30];
        File.Delete(Path.Combine(_root, removed));
        File.WriteAllText(Path.Combine(_root, rewritten), "rewritten with other bytes");
        File.SetUnixFileMode(Path.Combine(_root, modeChanged), UnixFileMode.UserRead);
        var added = Path.Combine(_root, "added.deb");
        File.WriteAllText(added, "new");
        var unchanged = cache.Find(files[40])!;

        var rescan = await ScanAsync(cache, parallelism: 2);

        Assert.Equal(3, rescan.FilesHashed); // rewritten, added, and the chmod'ed one (its ctime moved)
        Assert.Same(cache, rescan.Cache);
        Assert.Null(rescan.Cache.Find(removed));
        Assert.Equal(files.Count, rescan.Cache.Count);
        Assert.Same(unchanged, rescan.Cache.Find(files[40]));
        Assert.Same(unchanged.Entry, rescan.Entries.Single(e => e.Path == files[40]));
        Assert.Equal(26, rescan.Cache.Find(rewritten)!.Size);
        Assert.Equal((int)UnixFileMode.UserRead, rescan.Cache.Find(modeChanged)!.Entry.Mode & 0x1FF);
        Assert.NotNull(rescan.Cache.Find("added.deb"));

        // The same tree scanned from nothing gives the same entries and the same cache.
        var fresh = await ScanAsync(new ScanCache(), parallelism: 1);
        Assert.Equal(Describe(fresh.Entries), Describe(rescan.Entries));
        Assert.Equal(fresh.Cache.Count, rescan.Cache.Count);
    }

    [Fact]
    public async Task A_cache_is_written_again_only_when_the_scan_changed_it()
    {
        MakeTree(new Random(11), directories: 80, depth: 2);
        var path = _temp.Combine("scan-cache.bin");
        var first = await ScanAsync(new ScanCache(), parallelism: 2);
        Assert.True(first.Cache.Changed);
        first.Cache.Save(path);
        Assert.False(first.Cache.Changed);

        var unchanged = await ScanAsync(ScanCache.Load(path), parallelism: 2);
        Assert.False(unchanged.Cache.Changed);

        var file = first.Entries.First(e => e.IsFile).Path;
        File.AppendAllText(Path.Combine(_root, file), "more");
        Assert.True((await ScanAsync(ScanCache.Load(path), parallelism: 2)).Cache.Changed);

        first.Cache.Save(path);
        File.Delete(Path.Combine(_root, file));
        Assert.True((await ScanAsync(ScanCache.Load(path), parallelism: 2)).Cache.Changed);
    }

    [Fact]
    public async Task A_hostile_name_deep_in_one_threads_subtree_fails_the_scan()
    {
        MakeTree(new Random(5), directories: 200, depth: 3);
        var deepest = Directory.EnumerateDirectories(_root, "*", SearchOption.AllDirectories).MaxBy(d => d.Length)!;
        File.WriteAllText(Path.Combine(deepest, "bad\nname"), "x");

        var e = await Assert.ThrowsAsync<SyncException>(() => ScanAsync(new ScanCache(), parallelism: 2));
        Assert.Contains("control character", e.Message);
    }

    private Task<ScanResult> ScanAsync(ScanCache previous, int parallelism) =>
        new TreeScanner(NullLogger.Instance).ScanAsync(
            _root, previous, _signatures, new ScanOptions { Parallelism = parallelism }, new OperationProgress(), CancellationToken.None);

    /// <summary>
    /// A random tree: half the directories at the top (enough subtrees for the threads to share: the walk goes wide
    /// until it has 16 per thread), the rest nested up to <paramref name="depth"/>, a few small files in each, a
    /// symlink and a FIFO.
    /// </summary>
    private void MakeTree(Random random, int directories, int depth)
    {
        var made = new List<string> { _root };
        for (var i = 0; i < directories; i++)
        {
            var parent = i < directories / 2 ? _root : made[random.Next(made.Count)];
            if (Path.GetRelativePath(_root, parent).Count(c => c == '/') >= depth)
            {
                parent = _root;
            }

            var directory = Path.Combine(parent, $"d{i}");
            Directory.CreateDirectory(directory);
            made.Add(directory);
            for (var f = random.Next(3); f >= 0; f--)
            {
                File.WriteAllBytes(Path.Combine(directory, $"f{f}.deb"), RandomBytes(random, random.Next(1, 200)));
            }
        }

        File.CreateSymbolicLink(Path.Combine(made[^1], "link"), "f0.deb");
        Assert.Equal(0, Mkfifo(Path.Combine(made[^2], "fifo"), Convert.ToInt32("600", 8)));
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true, EntryPoint = "mkfifo")]
    private static extern int Mkfifo(string path, int mode);

    private static List<string> Describe(IEnumerable<ManifestEntry> entries) =>
        entries.Select(e => $"{e.Path} {e.Kind} {e.Mode} {e.MtimeNs} {e.Size} {e.Digest} {e.LinkTarget}").ToList();
}

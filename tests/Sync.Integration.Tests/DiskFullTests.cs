using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// A disk that fills up mid-import: a small file system of the test's own (a loop-mounted ext4 image, or a tmpfs)
/// holds the inside's state and target, never the machine's real disk. The import must fail with a clear line and
/// exit 5, hold no space afterwards, leave the published generation intact, and go through once space is freed.
/// </summary>
[Collection("apt")]
public sealed class DiskFullTests
{
    private const long FileSystemBytes = 24 << 20;
    private const long LeftFree = 6 << 20;

    // Random content is written with O_DIRECT after an fallocate; a content whose chunks repeat (zeros) goes
    // through the page cache after .NET's preallocation: both reservations are exercised.
    [SmallFileSystemTheory]
    [InlineData("ext4", "snapshot", "random")]
    [InlineData("ext4", "in-place", "zeros")]
    [InlineData("tmpfs", "snapshot", "random")]
    [InlineData("tmpfs", "in-place", "zeros")]
    public async Task A_full_disk_is_reported_and_the_published_generation_stays_intact(string fileSystem, string publish, string content)
    {
        using var pair = await SyncPair.CreateAsync();
        await using var small = fileSystem == "ext4"
            ? await SmallFileSystem.Ext4Async(pair.Dir(""), FileSystemBytes)
            : await SmallFileSystem.TmpfsAsync(pair.Dir(""), FileSystemBytes);
        var inside = Path.Combine(small.Path, "state");
        var target = Path.Combine(small.Path, "target");
        Task<ProcessResult> Import() => Run.Inside("import", "--drop", pair.Drop, "--target", target, "--state", inside, "--trust", pair.Key + ".pub", "--publish", publish, "--quiet");

        TreeBuilder.Write(pair.Source, "small.bin", TreeBuilder.RandomBytes(500_000, 1));
        await Run.Ok(pair.Export());
        await Run.Ok(Import());
        var published = TreeAssert.Describe(target);

        // Another writer of the disk (the web server's log, say) leaves 6 MiB free; the next file needs 12 MB.
        var other = small.Fill("other-writer.log", small.Space.AvailableBytes - LeftFree);
        TreeBuilder.Write(pair.Source, "large.bin", content == "zeros" ? new byte[12_000_000] : TreeBuilder.RandomBytes(12_000_000, 2));
        await Run.Ok(pair.Export());
        var freeBefore = small.Space.AvailableBytes;
        var full = await Import();
        Assert.True(full.ExitCode == 5, full.ToString());
        Assert.Contains("disk full", full.Stderr);
        Assert.Single(full.Stderr.Trim().Split('\n'));
        Assert.Equal(published, TreeAssert.Describe(target));
        Assert.True(small.Space.AvailableBytes >= freeBefore - (256 << 10), $"free space {freeBefore} -> {small.Space.AvailableBytes}: the failed import holds space");
        await Run.Ok(Run.Inside("verify", "--target", target, "--state", inside, "--quiet"));
        var status = System.Text.Json.JsonDocument.Parse((await Run.Ok(Run.Inside("status", "--state", inside, "--json"))).Stdout).RootElement;
        var waiting = Assert.Single(status.GetProperty("pending").EnumerateArray());
        Assert.Equal("storage", waiting.GetProperty("kind").GetString());
        Assert.Equal(2, waiting.GetProperty("generation").GetInt64());

        // Once space is freed the same import goes through.
        File.Delete(other);
        await Run.Ok(Import());
        TreeAssert.Equal(pair.Source, target);
    }

    /// <summary>
    /// The outside writing to a medium that fills up (a DVD's worth of bundle on a smaller stick): exit 5 with one line
    /// that speaks for the outside, no part left behind (not even its .tmp), and the next export with space goes through.
    /// </summary>
    [SmallFileSystemFact]
    public async Task An_export_to_a_full_medium_leaves_nothing_on_it_and_commits_nothing()
    {
        using var pair = await SyncPair.CreateAsync();
        await using var medium = await SmallFileSystem.TmpfsAsync(pair.Dir(""), 4 << 20);
        TreeBuilder.Write(pair.Source, "large.bin", TreeBuilder.RandomBytes(6_000_000, 3));

        var full = await Run.Outside("export", "--source", pair.Source, "--state", pair.OutsideState, "--key", pair.Key, "--drop", medium.Path, "--quiet");

        Assert.True(full.ExitCode == 5, full.ToString());
        var line = Assert.Single(full.Stderr.Trim().Split('\n'));
        Assert.Contains("is full while writing part", line, StringComparison.Ordinal);
        var left = Directory.EnumerateFileSystemEntries(medium.Path).ToList();
        Assert.True(left.Count == 0, $"left on the medium: {string.Join(", ", left)}");

        var export = await Run.Ok(pair.Export());
        Assert.Contains("generation", export.Stdout, StringComparison.Ordinal);
        await Run.Ok(pair.Import());
        TreeAssert.Equal(pair.Source, pair.Target);
    }

    /// <summary>
    /// A pull whose generation does not fit the inside's disk: the same exit 5 and one "disk full" line as an import,
    /// the published generation intact, and the next pull, once space is freed, goes through.
    /// </summary>
    [SmallFileSystemFact]
    public async Task A_pull_onto_a_full_disk_exits_5_in_one_line_and_keeps_what_was_published()
    {
        using var pair = await SyncPair.CreateAsync();
        await using var small = await SmallFileSystem.TmpfsAsync(pair.Dir(""), FileSystemBytes);
        Task<ProcessResult> Pull(string url) => Run.Inside(
            "pull", "--from", url, "--target", Path.Combine(small.Path, "target"), "--state", Path.Combine(small.Path, "state"), "--trust", pair.Key + ".pub", "--quiet");
        TreeBuilder.Write(pair.Source, "small.bin", TreeBuilder.RandomBytes(500_000, 1));
        var (server, url) = await pair.ServeOutsideAsync();
        await using var _ = server;
        await Run.Ok(Pull(url));
        var published = TreeAssert.Describe(Path.Combine(small.Path, "target"));

        var other = small.Fill("other-writer.log", small.Space.AvailableBytes - LeftFree);
        TreeBuilder.Write(pair.Source, "large.bin", TreeBuilder.RandomBytes(12_000_000, 2));
        var full = await Pull(url);

        Assert.True(full.ExitCode == 5, full.ToString());
        var line = Assert.Single(full.Stderr.Trim().Split('\n'));
        Assert.Contains("disk is full", line, StringComparison.Ordinal);
        Assert.Equal(published, TreeAssert.Describe(Path.Combine(small.Path, "target")));

        File.Delete(other);
        await Run.Ok(Pull(url));
        TreeAssert.Equal(pair.Source, Path.Combine(small.Path, "target"));
    }
}

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

        // Once space is freed the same import goes through.
        File.Delete(other);
        await Run.Ok(Import());
        TreeAssert.Equal(pair.Source, target);
    }
}

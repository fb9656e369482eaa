using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// A disk that fills up mid-import: a small tmpfs (made by the test, as root) holds the inside's state and
/// target. The import must fail with a clear line and exit 5, and leave the published generation intact.
/// </summary>
[Collection("apt")]
public sealed class DiskFullTests
{
    [Theory]
    [InlineData("snapshot")]
    [InlineData("in-place")]
    public async Task A_full_disk_is_reported_and_the_published_generation_stays_intact(string publish)
    {
        using var pair = await SyncPair.CreateAsync();
        var small = pair.MakeDir("small-disk");
        var mount = await Run.Process("mount", ["-t", "tmpfs", "-o", "size=8m", "tmpfs", small]);
        Assert.True(mount.ExitCode == 0, $"this test needs root to mount a small tmpfs: {mount}");
        try
        {
            var inside = Path.Combine(small, "state");
            var target = Path.Combine(small, "target");
            Task<ProcessResult> Import() => Run.Inside("import", "--drop", pair.Drop, "--target", target, "--state", inside, "--trust", pair.Key + ".pub", "--publish", publish, "--quiet");

            TreeBuilder.Write(pair.Source, "small.bin", TreeBuilder.RandomBytes(500_000, 1));
            await Run.Ok(pair.Export());
            await Run.Ok(Import());
            var published = TreeAssert.Describe(target);

            TreeBuilder.Write(pair.Source, "large.bin", TreeBuilder.RandomBytes(12_000_000, 2));
            await Run.Ok(pair.Export());
            var full = await Import();
            Assert.True(full.ExitCode == 5, full.ToString());
            Assert.Contains("disk full", full.Stderr);
            Assert.Single(full.Stderr.Trim().Split('\n'));
            Assert.Equal(published, TreeAssert.Describe(target));
            await Run.Ok(Run.Inside("verify", "--target", target, "--state", inside, "--quiet"));

            // Once space is freed the same import goes through.
            await Run.Ok(Run.Process("mount", ["-o", "remount,size=64m", small]));
            await Run.Ok(Import());
            TreeAssert.Equal(pair.Source, target);
        }
        finally
        {
            await Run.Process("umount", ["-l", small]);
        }
    }
}

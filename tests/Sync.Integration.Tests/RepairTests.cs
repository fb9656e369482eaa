using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// A way back from local damage: a published file changed or corrupted on the inside is found by verify, put right by
/// repair from an intact copy, and never carried into a new generation by an import after the failed verify.
/// </summary>
public sealed class RepairTests
{
    private static readonly DateTime When = new(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);

    [Theory]
    [InlineData("snapshot")]
    [InlineData("in-place")]
    public async Task Repair_replaces_a_corrupted_file_and_a_changed_mode_from_intact_copies(string publish)
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = publish;
        var content = TreeBuilder.RandomBytes(120_000, 1);
        TreeBuilder.Write(pair.Source, "pool/a.deb", content, mtime: When);
        TreeBuilder.Write(pair.Source, "pool/copy-of-a.deb", content, mtime: When.AddSeconds(1)); // another inode
        TreeBuilder.Write(pair.Source, "pool/b.deb", TreeBuilder.RandomBytes(80_000, 2), mtime: When);
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());

        Corrupt(Path.Combine(pair.Target, "pool/a.deb"));
        File.SetUnixFileMode(Path.Combine(pair.Target, "pool/b.deb"), (UnixFileMode)0x180);
        var verify = await pair.Verify();
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("content differs: pool/a.deb", verify.Stdout);
        Assert.Contains("mode differs: pool/b.deb", verify.Stdout);
        Assert.Contains("damaged:", (await Run.Ok(pair.Status())).Stdout);

        var repair = await Run.Ok(Run.Inside("repair", "--target", pair.Target, "--state", pair.InsideState, "--quiet"));
        Assert.Contains("2 damaged file(s) replaced", repair.Stdout);
        await Run.Ok(pair.Verify());
        TreeAssert.Equal(pair.Source, pair.Target);
        Assert.DoesNotContain("damaged:", (await Run.Ok(pair.Status())).Stdout);
    }

    [Theory]
    [InlineData("snapshot")]
    [InlineData("in-place")]
    public async Task Content_held_intact_nowhere_is_named_and_the_next_full_import_does_not_carry_the_damage(string publish)
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = publish;
        TreeBuilder.Write(pair.Source, "pool/a.deb", TreeBuilder.RandomBytes(120_000, 1), mtime: When);
        TreeBuilder.Write(pair.Source, "pool/b.deb", TreeBuilder.RandomBytes(80_000, 2), mtime: When);
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());
        Corrupt(Path.Combine(pair.Target, "pool/b.deb"));
        Assert.Equal(1, (await pair.Verify()).ExitCode);

        var repair = await Run.Inside("repair", "--target", pair.Target, "--state", pair.InsideState, "--quiet");
        Assert.Equal(4, repair.ExitCode);
        Assert.Contains("needs content: pool/b.deb", repair.Stdout);
        Assert.Contains("export --full", repair.Stderr);

        // A new full generation: the import checks every file it would reuse and takes b from the bundle.
        TreeBuilder.Write(pair.Source, "pool/c.deb", TreeBuilder.RandomBytes(10_000, 3), mtime: When);
        await Run.Ok(pair.Export("--full"));
        await Run.Ok(pair.Import());
        await Run.Ok(pair.Verify());
        TreeAssert.Equal(pair.Source, pair.Target);
    }

    /// <summary>Flips bytes in place (same size, inode and mtime), as a failing disk would: only a re-hash can tell.</summary>
    private static void Corrupt(string path)
    {
        var mtime = File.GetLastWriteTimeUtc(path);
        using (var file = File.Open(path, FileMode.Open, FileAccess.ReadWrite))
        {
            file.Position = 1000;
            file.Write([0xDE, 0xAD, 0xBE, 0xEF]);
        }

        File.SetLastWriteTimeUtc(path, mtime);
    }
}

using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// Issue 11: drop folders must not grow forever. `import --applied move:DIR|delete` takes applied bundles out of the
/// folder (so a path unit watching it is not triggered again by them); `export --keep-bundles N` removes bundles of
/// generations older than the newest N; `import --refused move:DIR` quarantines what can never apply, so a stale
/// bundle is refused once, not by every import after.
/// </summary>
public sealed class DropFolderGrowthTests
{
    private static void Change(SyncPair pair, int seed) =>
        TreeBuilder.Write(pair.Source, $"pool/p{seed}.deb", TreeBuilder.RandomBytes(90_000, seed));

    [Fact]
    public async Task Import_moves_applied_bundles_aside_and_keeps_one_still_waiting_for_its_base()
    {
        using var pair = await SyncPair.CreateAsync();
        var archive = pair.MakeDir("archive");
        var later = pair.MakeDir("later");
        Change(pair, 1);
        await Run.Ok(pair.Export());
        Change(pair, 2);
        await Run.Ok(pair.Export());
        var second = Directory.GetFiles(pair.Drop, "sync-g00000002-*");
        Change(pair, 3);
        await Run.Ok(pair.Export());
        foreach (var file in second)
        {
            File.Move(file, Path.Combine(later, Path.GetFileName(file))); // generation 2 has not arrived yet
        }

        var first = await pair.Import("--applied", "move:" + archive);
        Assert.Equal(4, first.ExitCode); // generation 3 waits for 2
        Assert.Equal(["sync-g00000003"], Directory.GetFiles(pair.Drop).Select(f => Path.GetFileName(f)[..14]).Distinct());
        Assert.Equal(["sync-g00000001"], Directory.GetFiles(archive).Select(f => Path.GetFileName(f)[..14]).Distinct());

        foreach (var file in Directory.GetFiles(later))
        {
            File.Move(file, Path.Combine(pair.Drop, Path.GetFileName(file)));
        }

        await Run.Ok(pair.Import("--applied", "move:" + archive));
        Assert.Empty(Directory.GetFiles(pair.Drop));
        Assert.Equal(["sync-g00000001", "sync-g00000002", "sync-g00000003"],
            Directory.GetFiles(archive).Select(f => Path.GetFileName(f)[..14]).Distinct().Order(StringComparer.Ordinal));
        TreeAssert.Equal(pair.Source, pair.Target);
    }

    [Fact]
    public async Task Import_deletes_applied_bundles_and_refuses_a_move_into_the_drop_folder_or_nowhere()
    {
        using var pair = await SyncPair.CreateAsync();
        Change(pair, 1);
        await Run.Ok(pair.Export("--volume-size", "64K"));

        Assert.Equal(2, (await pair.Import("--applied", "move:" + pair.Drop)).ExitCode);
        var nowhere = await pair.Import("--applied", "move:" + pair.Dir("nowhere"));
        Assert.Equal(2, nowhere.ExitCode);
        Assert.Contains("does not exist; create it first", nowhere.Stderr);
        Assert.Equal(2, (await pair.Import("--applied", "archive")).ExitCode);

        await Run.Ok(pair.Import("--applied", "delete"));
        Assert.Empty(Directory.GetFiles(pair.Drop));
        TreeAssert.Equal(pair.Source, pair.Target);
    }

    [Fact]
    public async Task Export_keeps_the_newest_generations_bundles_and_an_inside_within_them_catches_up()
    {
        using var pair = await SyncPair.CreateAsync();
        Change(pair, 1);
        await Run.Ok(pair.Export("--keep-bundles", "2"));
        Change(pair, 2);
        await Run.Ok(pair.Export("--keep-bundles", "2"));
        await Run.Ok(pair.Import()); // the inside holds generation 2
        Change(pair, 3);
        await Run.Ok(pair.Export("--keep-bundles", "2"));
        Change(pair, 4);
        var fourth = await Run.Ok(pair.Export("--keep-bundles", "2", "--volume-size", "64K"));

        Assert.Contains("removed 1 bundle(s) of generations before the newest 2", fourth.Stdout); // generation 2's; the third export removed the first's
        Assert.Equal(["sync-g00000003", "sync-g00000004"],
            Directory.GetFiles(pair.Drop).Select(f => Path.GetFileName(f)[..14]).Distinct().Order(StringComparer.Ordinal));
        await Run.Ok(pair.Import());
        TreeAssert.Equal(pair.Source, pair.Target);
        Assert.Equal(2, (await pair.Export("--keep-bundles", "-1")).ExitCode);
    }

    [Fact]
    public async Task A_stale_or_damaged_bundle_is_refused_by_every_import_until_moved_to_quarantine()
    {
        using var pair = await SyncPair.CreateAsync();
        Change(pair, 1);
        await Run.Ok(pair.Export());
        Change(pair, 2);
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import()); // the inside holds generation 2

        // Generation 1 from another outside state with the same key (never applied here), and an index that is garbage.
        var other = pair.MakeDir("other-drop");
        await Run.Ok(Run.Outside("export", "--source", pair.Source, "--state", pair.Dir("other-outside"), "--key", pair.Key, "--drop", other, "--quiet"));
        var stale = Directory.GetFiles(other).Select(Path.GetFileName).ToList();
        foreach (var file in stale)
        {
            File.Move(Path.Combine(other, file!), Path.Combine(pair.Drop, file!));
        }

        const string damaged = "sync-g00000009-b00000008-0123456789ab";
        File.WriteAllText(Path.Combine(pair.Drop, damaged + ".index"), "not an index");
        File.WriteAllText(Path.Combine(pair.Drop, damaged + ".p0001"), "not a part");
        var before = TreeAssert.Describe(pair.Target);

        var kept = await pair.Import();
        Assert.Equal(3, kept.ExitCode);
        Assert.Contains("already published", kept.Stderr);
        Assert.Contains("2 refused bundle(s) stay in the drop folder and are refused again by every import", kept.Stdout);
        Assert.Equal(3, (await pair.Import()).ExitCode); // still there, refused again

        var quarantine = pair.MakeDir("quarantine");
        var moved = await pair.Import("--refused", "move:" + quarantine);
        Assert.Equal(3, moved.ExitCode);
        Assert.Contains($"2 refused bundle(s) moved to {quarantine}", moved.Stdout);
        Assert.Equal(2, moved.Stderr.Trim().Split('\n').Length); // one line per refusal
        Assert.Equal(stale.Concat([damaged + ".index", damaged + ".p0001"]).Order(StringComparer.Ordinal),
            Directory.GetFiles(quarantine).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(Directory.GetFiles(pair.Drop), f => Path.GetFileName(f).StartsWith(damaged, StringComparison.Ordinal));

        await Run.Ok(pair.Import("--refused", "move:" + quarantine)); // refused once, not by every import after
        Assert.Equal(before, TreeAssert.Describe(pair.Target));
        TreeAssert.Equal(pair.Source, pair.Target);
        Assert.Equal(2, (await pair.Import("--refused", "delete")).ExitCode); // a refused bundle is evidence: never deleted
    }
}

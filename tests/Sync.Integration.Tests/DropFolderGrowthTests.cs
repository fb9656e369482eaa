using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// Issue 11: drop folders must not grow forever. `import --applied move:DIR|delete` takes applied bundles out of the
/// folder (so a path unit watching it is not triggered again by them); `export --keep-bundles N` removes bundles of
/// generations older than the newest N.
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
}

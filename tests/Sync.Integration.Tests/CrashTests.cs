using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// Kills `sync-inside import` at every durable step of an apply (and at random instants) and checks that the
/// published generation stays intact and readable and that the next run finishes the job.
/// </summary>
[Collection("apt")]
public sealed class CrashTests
{
    [Theory]
    [InlineData("snapshot")]
    [InlineData("in-place")]
    public async Task Killing_import_at_any_crash_point_leaves_a_whole_generation_and_the_next_run_finishes(string publish)
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = publish;
        var repo = await AptRepo.CreateAsync(pair.Dir("repo"), packages: 20, sizeKib: 32);
        pair.Source = repo.Tree;
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());
        var generation1 = TreeAssert.Describe(repo.Tree);
        var saved = pair.Dir("saved");
        await Run.Ok(Run.Process("cp", ["-a", pair.InsideState, saved + "-state"]));
        await Run.Ok(Run.Process("cp", ["-a", pair.Target, saved + "-target"]));

        await repo.Update();
        await Run.Ok(pair.Export());
        var generation2 = TreeAssert.Describe(repo.Tree);

        var killed = 0;
        for (var point = 1; point < 200; point++)
        {
            var run = await pair.ImportWith(new Dictionary<string, string> { ["SYNC_CRASH_POINT"] = point.ToString() });
            if (run.ExitCode == 0)
            {
                break; // past the last crash point: the import ran to the end
            }

            Assert.True(run.ExitCode == 137, $"crash point {point}: {run}");
            killed++;

            // Whatever instant it died at, apt reads a consistent repository. In snapshot mode the target is one
            // whole generation; in place it may be part way through the apt-safe sequence, but every file in it
            // is a whole file of one generation or the other, never a torn one.
            var now = TreeAssert.Describe(pair.Target);
            if (publish == "snapshot")
            {
                // pool/ is the store every snapshot shares: new files land in it before the switch (no index names
                // them yet) and its directories' mtimes move with them.
                var from1 = TreeAssert.Differences(pair.Target, generation1, sharedRoot: "pool");
                var from2 = TreeAssert.Differences(pair.Target, generation2, sharedRoot: "pool");
                Assert.True(from1.Length == 0 || from2.Length == 0, $"crash point {point}: target is neither generation: against 1: {from1}; against 2: {from2}");
            }
            else
            {
                foreach (var (path, description) in now.Where(e => !e.Value.StartsWith("dir ", StringComparison.Ordinal)))
                {
                    if (path.Contains("db/.lockfile.sync-inside.", StringComparison.Ordinal) || (path.EndsWith("db/lockfile", StringComparison.Ordinal) &&
                        File.ReadAllText(Path.Combine(pair.Target, path)).StartsWith("sync-inside ", StringComparison.Ordinal)))
                    {
                        continue; // reprepro's lock, held by the killed import: the next run clears it (checked below)
                    }

                    Assert.True(
                        generation1.GetValueOrDefault(path) == description || generation2.GetValueOrDefault(path) == description,
                        $"crash point {point}: {path} is {description}, in neither generation");
                }
            }

            await Run.Ok(repo.Check(pair.Target));

            // And the next run finishes the job.
            await Run.Ok(pair.Import());
            var rerun = TreeAssert.Differences(pair.Target, generation2);
            Assert.True(rerun.Length == 0, $"crash point {point}: rerun did not publish generation 2: {rerun}");
            await Run.Ok(pair.Verify());

            await Restore(pair, saved);
        }

        Assert.True(killed >= 5, $"only {killed} crash points were exercised");
    }

    [Fact]
    public async Task Killing_import_at_random_instants_never_damages_the_published_generation()
    {
        using var pair = await SyncPair.CreateAsync();
        var repo = await AptRepo.CreateAsync(pair.Dir("repo"), packages: 30, sizeKib: 256);
        pair.Source = repo.Tree;
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());
        await repo.Update(add: 10, remove: 5, upgrade: 10);
        await Run.Ok(pair.Export());

        var random = new Random(42);
        for (var attempt = 0; attempt < 6; attempt++)
        {
            var (process, import) = Run.StartAgent("sync-inside", "import", "--drop", pair.Drop, "--target", pair.Target, "--state", pair.InsideState, "--trust", pair.Key + ".pub", "--quiet");
            await Task.Delay(random.Next(100, 700));
            try
            {
                process.Kill(); // SIGKILL of the process this test started
            }
            catch (InvalidOperationException)
            {
                // it had already finished
            }

            await import;
            await Run.Ok(repo.Check(pair.Target));
        }

        await Run.Ok(pair.Import());
        TreeAssert.Equal(repo.Tree, pair.Target);
    }

    private static async Task Restore(SyncPair pair, string saved)
    {
        await Run.Ok(Run.Process("rm", ["-rf", pair.InsideState, pair.Target, Path.Combine(Path.GetDirectoryName(pair.Target)!, ".target.sync-staging")]));
        await Run.Ok(Run.Process("cp", ["-a", saved + "-state", pair.InsideState]));
        await Run.Ok(Run.Process("cp", ["-a", saved + "-target", pair.Target]));
    }
}

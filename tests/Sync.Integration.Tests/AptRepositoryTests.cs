using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// A real reprepro repository (packages built with dpkg-deb, signed with a throwaway gpg key) kept in sync
/// through bundles, checked as apt would check it, while an apt-like reader reads the target.
/// </summary>
[Collection("apt")]
public sealed class AptRepositoryTests
{
    [Theory]
    [InlineData("snapshot")]
    [InlineData("in-place")]
    public async Task Reprepro_updates_arrive_intact_and_cost_little_more_than_the_new_packages(string publish)
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = publish;
        var repo = await AptRepo.CreateAsync(pair.Dir("repo"));
        pair.Source = repo.Tree;

        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());
        await Run.Ok(repo.Check(pair.Target));
        TreeAssert.Equal(repo.Tree, pair.Target);

        for (var generation = 2; generation <= 3; generation++)
        {
            var before = Snapshot(repo.Tree);
            await repo.Update();
            var after = Snapshot(repo.Tree);
            var newBytes = after.Where(f => !before.ContainsKey(f.Key)).Sum(f => f.Value.Length);
            var changedInPlace = after.Where(f => before.TryGetValue(f.Key, out var old) && !old.AsSpan().SequenceEqual(f.Value)).ToList();

            var export = await Run.Ok(pair.Export());
            Assert.Contains($"generation {generation} (delta from {generation - 1})", export.Stdout);
            Assert.Contains("as byte deltas", export.Stdout);
            var bundle = pair.BundleBytes(generation);
            var changedBytes = changedInPlace.Sum(f => f.Value.Length);

            // New pool files travel whole (they are compressed); files changed in place travel as byte
            // deltas: the bundle must be far smaller than shipping the changed files whole.
            Assert.True(bundle >= newBytes, $"bundle {bundle} < new files {newBytes}");
            Assert.True(bundle < newBytes + changedBytes / 2, $"bundle {bundle}, new files {newBytes}, changed in place {changedBytes}");

            await Run.Ok(pair.Import());
            await Run.Ok(repo.Check(pair.Target));
            TreeAssert.Equal(repo.Tree, pair.Target);
            await Run.Ok(pair.Verify());
        }
    }

    [Theory]
    [InlineData("snapshot")]
    [InlineData("in-place")]
    public async Task An_apt_reader_never_sees_a_mixed_repository_while_generations_are_published(string publish)
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = publish;
        var repo = await AptRepo.CreateAsync(pair.Dir("repo"), packages: 40, sizeKib: 32);
        pair.Source = repo.Tree;
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());

        var reader = new AptReader(pair.Target);
        using var stop = new CancellationTokenSource();
        var reading = Task.Run(() => reader.RunAsync(stop.Token));
        for (var i = 0; i < 4; i++)
        {
            await repo.Update(add: 4, remove: 4, upgrade: 6);
            await Run.Ok(pair.Export());
            await Run.Ok(pair.Import());
        }

        await stop.CancelAsync();
        await reading;
        Assert.True(reader.Failures.Count == 0, string.Join("\n", reader.Failures.Take(10)));
        Assert.True(reader.ConsistentPasses > 10, $"only {reader.ConsistentPasses} passes");
        await Run.Ok(repo.Check(pair.Target));
    }

    private static Dictionary<string, byte[]> Snapshot(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(root, f), File.ReadAllBytes, StringComparer.Ordinal);
}

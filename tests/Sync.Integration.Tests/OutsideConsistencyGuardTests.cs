using Sync.Integration.Tests.Infrastructure;
using Sync.Testing.Requirements;

namespace Sync.Integration.Tests;

/// <summary>
/// Issue 11, the outside consistency guard: `export` (and push, send, serve, through the same engine) never signs a tree
/// in the middle of a reprepro update. It waits for reprepro's db/lockfile and refuses (exit 3, one line) a tree whose
/// InRelease, indices and pool disagree, or scans it again until it agrees with --wait.
/// </summary>
[Collection("apt")]
public sealed class OutsideConsistencyGuardTests
{
    [ToolFact("reprepro", "gpg", "dpkg-deb")]
    public async Task A_tree_caught_between_its_indices_and_its_release_is_refused_until_reprepro_finishes()
    {
        using var pair = await SyncPair.CreateAsync();
        var repo = await AptRepo.CreateAsync(pair.Dir("repo"), packages: 12, sizeKib: 16);
        pair.Source = repo.Tree;
        await Run.Ok(pair.Export());

        // reprepro mid-update: new pool files and indices, the old Release and InRelease still published.
        var dists = Path.Combine(repo.Tree, "dists", "sample");
        var oldRelease = File.ReadAllBytes(Path.Combine(dists, "Release"));
        var oldInRelease = File.ReadAllBytes(Path.Combine(dists, "InRelease"));
        await repo.Update(add: 2, remove: 1, upgrade: 2);
        var newRelease = File.ReadAllBytes(Path.Combine(dists, "Release"));
        var newInRelease = File.ReadAllBytes(Path.Combine(dists, "InRelease"));
        File.WriteAllBytes(Path.Combine(dists, "Release"), oldRelease);
        File.WriteAllBytes(Path.Combine(dists, "InRelease"), oldInRelease);
        var drop = Directory.GetFiles(pair.Drop).Length;

        var refused = await pair.Export();
        Assert.Equal(3, refused.ExitCode);
        var line = Assert.Single(refused.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^sync-outside: error: source is not a consistent APT repository: dists/sample/\S+ (has \d+ bytes but|does not have the SHA256) dists/sample/(In)?Release lists.* \(and \d+ more inconsistencies\); nothing was signed", line);
        Assert.Equal(drop, Directory.GetFiles(pair.Drop).Length);

        // With --wait the export scans again until reprepro has written the Release, then signs the finished tree.
        var waiting = pair.Export("--wait", "2m");
        await Task.Delay(TimeSpan.FromSeconds(3));
        File.WriteAllBytes(Path.Combine(dists, "Release"), newRelease);
        File.WriteAllBytes(Path.Combine(dists, "InRelease"), newInRelease);
        var exported = await Run.Ok(waiting);
        Assert.Contains("generation 2 (delta from 1)", exported.Stdout);

        await Run.Ok(pair.Import());
        await Run.Ok(repo.Check(pair.Target));
    }

    [ToolFact("reprepro", "gpg", "dpkg-deb")]
    public async Task An_inconsistent_tree_is_refused_again_after_the_wait_and_signed_with_no_consistency_check()
    {
        using var pair = await SyncPair.CreateAsync();
        var repo = await AptRepo.CreateAsync(pair.Dir("repo"), packages: 6, sizeKib: 16);
        pair.Source = repo.Tree;
        var deb = Directory.GetFiles(Path.Combine(repo.Tree, "pool"), "*.deb", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        File.Delete(deb);

        var refused = await pair.Export("--wait", "2s", "--verbose");
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains($"after waiting 2 s: {Path.GetRelativePath(repo.Tree, deb)} is missing but dists/sample/main/binary-", refused.Stderr);
        Assert.Empty(Directory.GetFiles(pair.Drop));

        var exported = await Run.Ok(pair.Export("--no-consistency-check", "--verbose"));
        Assert.Contains("generation 1 (full)", exported.Stdout);
        Assert.Contains("APT consistency not checked (--no-consistency-check)", exported.Stderr);
    }

    [ToolFact("reprepro", "gpg", "dpkg-deb")]
    public async Task Reprepros_lock_is_waited_for_and_a_lock_held_past_the_timeout_is_busy()
    {
        using var pair = await SyncPair.CreateAsync();
        var repo = await AptRepo.CreateAsync(pair.Dir("repo"), packages: 4, sizeKib: 16);
        pair.Source = repo.Tree;
        var lockFile = Path.Combine(repo.Tree, "db", "lockfile");
        File.WriteAllText(lockFile, string.Empty); // what reprepro creates (O_EXCL) for the length of its run

        var busy = await pair.Export("--lock-timeout", "1s");
        Assert.Equal(6, busy.ExitCode);
        Assert.Contains($"reprepro holds '{lockFile}' (waited 1 s); nothing was signed", busy.Stderr);
        Assert.Empty(Directory.GetFiles(pair.Drop));

        var waiting = pair.Export("--verbose");
        await Task.Delay(TimeSpan.FromSeconds(3));
        File.Delete(lockFile);
        var exported = await Run.Ok(waiting);
        Assert.Contains("Reprepro holds db/lockfile: waiting up to 10 min", exported.Stderr);
        Assert.Contains("APT consistency checked: 2 Release files", exported.Stderr);
        Assert.Contains("generation 1 (full)", exported.Stdout);
    }

    [Fact]
    public async Task A_tree_that_is_not_an_apt_repository_is_exported_unchecked_and_says_so_when_verbose()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "docs/readme.txt", "not a repository\n"u8.ToArray());

        var exported = await Run.Ok(pair.Export("--verbose"));

        Assert.Contains("not an APT repository, consistency not checked", exported.Stderr);
    }
}

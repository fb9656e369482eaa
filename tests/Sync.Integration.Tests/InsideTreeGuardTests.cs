using Sync.Core.Posix;
using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// A published tree someone else also owns and writes (Landscape's standalone/ directory, run by the `landscape`
/// user with its own reprepro): published entries belong to the directory's owner or to --owner; entries changed by
/// something else are never silently replaced; reprepro's lock is waited for and held.
/// </summary>
[Collection("apt")]
public sealed class InsideTreeGuardTests
{
    private const int Nobody = 65534; // Debian's nobody:nogroup

    [RootTheory]
    [InlineData("in-place", false)]
    [InlineData("snapshot", true)]
    public async Task Published_entries_belong_to_the_target_directory_owner_and_the_owner_reads_them(string publish, bool explicitOwner)
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = publish;
        BuildSource(pair.Source);
        MakeTraversable(pair.Target);
        if (publish == "in-place")
        {
            Directory.CreateDirectory(pair.Target);
            await Run.Ok(Run.Process("chown", [$"{Nobody}:{Nobody}", pair.Target]));
        }

        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import(explicitOwner ? ["--owner", $"{Nobody}:{Nobody}"] : []));

        var root = Resolve(pair.Target);
        foreach (var path in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories).Append(root))
        {
            var status = Posix.LStat(path);
            Assert.True(status.Uid == Nobody && status.Gid == Nobody, $"{path} is owned by {status.Uid}:{status.Gid}");
        }

        // The unprivileged owner reads every published file.
        await Run.Ok(Run.Process("runuser", ["-u", "nobody", "--", "sh", "-c", $"find '{pair.Target}/' -type f -exec cat {{}} + > /dev/null"]));
        await Run.Ok(pair.Verify());
    }

    [Fact]
    public async Task Local_changes_are_refused_with_their_list_and_replaced_only_when_told()
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = "in-place";
        BuildSource(pair.Source);
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());

        // The next generation changes the suite and a package; meanwhile something on the inside edits the package
        // and drops a file into the suite.
        TreeBuilder.Write(pair.Source, "dists/noble/InRelease", "signed, again\n"u8.ToArray());
        TreeBuilder.Write(pair.Source, "pool/main/a/a_1.deb", TreeBuilder.RandomBytes(5000, 9));
        await Run.Ok(pair.Export());
        File.AppendAllText(Path.Combine(pair.Target, "pool/main/a/a_1.deb"), "local edit");
        File.WriteAllText(Path.Combine(pair.Target, "dists/noble/local-note"), "mine");
        var before = TreeAssert.Describe(pair.Target);

        var refused = await pair.Import();
        Assert.Equal(3, refused.ExitCode);
        Assert.Contains("pool/main/a/a_1.deb (changed)", refused.Stderr);
        Assert.Contains("dists/noble/local-note (created here)", refused.Stderr);
        Assert.Contains("nothing was written", refused.Stderr);
        Assert.Equal(before, TreeAssert.Describe(pair.Target));
        Assert.Contains("refused:", (await Run.Ok(pair.Status())).Stdout);

        var overwritten = await Run.Ok(pair.Import("--overwrite-local-changes"));
        Assert.Contains("overwrote 2 local change(s)", overwritten.Stdout);
        TreeAssert.Equal(pair.Source, pair.Target);
        await Run.Ok(pair.Verify());
    }

    [Fact]
    public async Task An_in_place_publish_waits_for_reprepros_lock_holds_it_and_clears_a_stale_one_of_its_own()
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = "in-place";
        BuildSource(pair.Source);
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());
        TreeBuilder.Write(pair.Source, "dists/noble/InRelease", "signed, again\n"u8.ToArray());
        await Run.Ok(pair.Export());
        var lockFile = Path.Combine(pair.Target, "db/lockfile");

        // Reprepro runs: a bounded wait, then busy (6), nothing written.
        File.WriteAllText(lockFile, string.Empty);
        var busy = await pair.Import("--lock-timeout", "1s");
        Assert.Equal(6, busy.ExitCode);
        Assert.Contains("reprepro holds", busy.Stderr);

        // Reprepro finishes while the import waits: it goes on.
        var waiting = Run.StartAgent("sync-inside", ["import", "--drop", pair.Drop, "--target", pair.Target, "--state", pair.InsideState,
            "--trust", pair.Key + ".pub", "--publish", "in-place", "--lock-timeout", "2m", "--quiet"]);
        await Task.Delay(1500);
        Assert.False(waiting.Completion.IsCompleted);
        File.Delete(lockFile);
        await Run.Ok(waiting.Completion);
        Assert.False(File.Exists(lockFile));
        TreeAssert.Equal(pair.Source, pair.Target);

        // A lock file this agent left when it was killed is recognised and removed.
        TreeBuilder.Write(pair.Source, "dists/noble/InRelease", "signed, a third time\n"u8.ToArray());
        await Run.Ok(pair.Export());
        File.WriteAllText(lockFile, "sync-inside 4194304\n");
        await Run.Ok(pair.Import("--lock-timeout", "1s"));
        Assert.False(File.Exists(lockFile));
        TreeAssert.Equal(pair.Source, pair.Target);
    }

    /// <summary>A reprepro-shaped tree: conf/, db/, a suite, a pool.</summary>
    private static void BuildSource(string root)
    {
        TreeBuilder.Write(root, "conf/distributions", "Codename: noble\nComponents: main\nArchitectures: amd64\n"u8.ToArray());
        TreeBuilder.Write(root, "db/packages.db", TreeBuilder.RandomBytes(4000, 1));
        TreeBuilder.Write(root, "dists/noble/InRelease", "signed\n"u8.ToArray());
        TreeBuilder.Write(root, "dists/noble/main/binary-amd64/Packages", "Package: a\n"u8.ToArray());
        TreeBuilder.Write(root, "pool/main/a/a_1.deb", TreeBuilder.RandomBytes(3000, 2));
        File.CreateSymbolicLink(Path.Combine(root, "dists/stable"), "noble");
    }

    /// <summary>The test directory is 0700 (a temporary directory); the unprivileged owner must be able to reach the target.</summary>
    private static void MakeTraversable(string target)
    {
        for (var dir = Path.GetDirectoryName(target); dir is not null && dir != "/" && dir != Path.GetTempPath().TrimEnd('/'); dir = Path.GetDirectoryName(dir))
        {
            File.SetUnixFileMode(dir, File.GetUnixFileMode(dir) | UnixFileMode.OtherExecute | UnixFileMode.GroupExecute);
        }
    }

    private static string Resolve(string root) =>
        Posix.LStat(root).Kind == UnixFileKind.Symlink ? new DirectoryInfo(root).ResolveLinkTarget(true)!.FullName : root;
}

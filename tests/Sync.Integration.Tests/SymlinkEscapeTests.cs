using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// Symlinks that, followed through the tree, leave it (issue 9, item 2), against the real agents: the outside
/// refuses to scan or export such a source before anything is signed, and `verify` flags such a link on the inside.
/// (A signed bundle holding one is refused by `import`: <see cref="HostileInputTests"/>.)
/// </summary>
public sealed class SymlinkEscapeTests
{
    private const string Refusal =
        "sync-outside: error: source symlink 'd/e' -> 'y/victim' cannot be carried: resolves outside the tree through 'd/y' -> 'x/../..' (and 1 more such link(s))";

    [Fact]
    public async Task Export_and_scan_refuse_a_source_whose_links_leave_it_before_anything_is_signed()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "d/file", [1, 2, 3]);
        File.CreateSymbolicLink(Path.Combine(pair.Source, "d/x"), "..");
        File.CreateSymbolicLink(Path.Combine(pair.Source, "d/y"), "x/../..");
        File.CreateSymbolicLink(Path.Combine(pair.Source, "d/e"), "y/victim");

        var export = await pair.Export();
        Assert.True(export.ExitCode == 3, export.ToString());
        Assert.Equal(Refusal, Assert.Single(export.Stderr.Trim().Split('\n')));
        Assert.Empty(Directory.EnumerateFileSystemEntries(pair.Drop));

        var scan = await Run.Outside("scan", "--source", pair.Source, "--state", pair.OutsideState, "--quiet");
        Assert.True(scan.ExitCode == 3, scan.ToString());
        Assert.Equal(Refusal, Assert.Single(scan.Stderr.Trim().Split('\n')));

        // Once the source is repaired, the refused attempt cost no generation number.
        File.Delete(Path.Combine(pair.Source, "d/y"));
        Assert.Contains("generation 1", (await Run.Ok(pair.Export())).Stdout);
        await Run.Ok(pair.Import());
        TreeAssert.Equal(pair.Source, pair.Target);
    }

    [Fact]
    public async Task A_source_named_through_a_symlink_is_exported_as_the_tree_it_names_with_its_own_links_kept()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "dists/bookworm/Release", [1, 2, 3]);
        File.CreateSymbolicLink(Path.Combine(pair.Source, "dists/stable"), "bookworm");
        var named = Path.Combine(pair.Dir(""), "mirror-link");
        File.CreateSymbolicLink(named, pair.Source); // /srv/mirror -> /data/mirror

        await Run.Ok(Run.Outside("export", "--source", named, "--state", pair.OutsideState, "--key", pair.Key, "--drop", pair.Drop, "--quiet"));
        await Run.Ok(pair.Import());
        TreeAssert.Equal(pair.Source, pair.Target);
        Assert.Equal("bookworm", new FileInfo(Path.Combine(pair.Target, "dists/stable")).LinkTarget);
    }

    [Theory]
    [InlineData("snapshot")]
    [InlineData("in-place")]
    public async Task Verify_flags_a_published_link_that_leaves_the_tree(string publish)
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = publish;
        TreeBuilder.Write(pair.Source, "d/file", [1, 2, 3]);
        File.CreateSymbolicLink(Path.Combine(pair.Source, "d/x"), "..");
        File.CreateSymbolicLink(Path.Combine(pair.Source, "d/y"), "x/d");
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());
        await Run.Ok(pair.Verify());

        // Someone on the inside repoints the link: the published tree now leads out of itself.
        var link = Path.Combine(new DirectoryInfo(pair.Target).ResolveLinkTarget(true)?.FullName ?? pair.Target, "d/y");
        File.Delete(link);
        File.CreateSymbolicLink(link, "x/../..");

        var verify = await pair.Verify();
        Assert.True(verify.ExitCode == 1, verify.ToString());
        Assert.Contains("link target differs: d/y", verify.Stdout);
        Assert.Contains("unsafe link: d/y -> x/../.. resolves outside the tree", verify.Stdout);
        Assert.Contains("2 difference(s) from generation 1", verify.Stderr);
    }
}

using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// Entries that change kind between generations, on a real reprepro tree with a suite alias: Debian's
/// dists/stable as a directory that becomes a symlink to the release's codename (and back), a file that becomes a
/// directory and back, a symlink that becomes a file and back. Every publish must leave exactly the source tree,
/// checked as apt would; in place, no removal may resolve through the symlink that took a directory's place.
/// </summary>
[Collection("apt")]
public sealed class KindChangeTests
{
    [Theory]
    [InlineData("snapshot")]
    [InlineData("in-place")]
    public async Task Directories_symlinks_and_files_that_change_kind_are_published_exactly(string publish)
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = publish;
        var repo = await AptRepo.CreateAsync(pair.Dir("repo"), packages: 8, sizeKib: 16);
        pair.Source = repo.Tree;
        var dists = Path.Combine(repo.Tree, "dists");

        // Generation 1: the alias is a real copy of the suite; a file, and a symlink to a file.
        CopyDirectory(Path.Combine(dists, "sample"), Path.Combine(dists, "stable"));
        File.WriteAllText(Path.Combine(repo.Tree, "notes"), "a file for now\n");
        Directory.CreateDirectory(Path.Combine(repo.Tree, "links"));
        File.WriteAllText(Path.Combine(repo.Tree, "links/x"), "x\n");
        File.CreateSymbolicLink(Path.Combine(repo.Tree, "links/current"), "x");
        await SyncAndCheckAsync(pair, repo);

        // Generation 2: the release switch (stable becomes a symlink to the codename, whose suite changes too),
        // the file becomes a directory, the symlink a file.
        await repo.Update(add: 2, remove: 1, upgrade: 2);
        Directory.Delete(Path.Combine(dists, "stable"), recursive: true);
        File.CreateSymbolicLink(Path.Combine(dists, "stable"), "sample");
        File.Delete(Path.Combine(repo.Tree, "notes"));
        Directory.CreateDirectory(Path.Combine(repo.Tree, "notes"));
        File.WriteAllText(Path.Combine(repo.Tree, "notes/README"), "now a directory\n");
        File.Delete(Path.Combine(repo.Tree, "links/current"));
        File.WriteAllText(Path.Combine(repo.Tree, "links/current"), "a file now\n");
        await SyncAndCheckAsync(pair, repo);

        // Generation 3: every change the other way round.
        File.Delete(Path.Combine(dists, "stable"));
        CopyDirectory(Path.Combine(dists, "sample"), Path.Combine(dists, "stable"));
        Directory.Delete(Path.Combine(repo.Tree, "notes"), recursive: true);
        File.WriteAllText(Path.Combine(repo.Tree, "notes"), "a file again\n");
        File.Delete(Path.Combine(repo.Tree, "links/current"));
        File.CreateSymbolicLink(Path.Combine(repo.Tree, "links/current"), "x");
        await SyncAndCheckAsync(pair, repo);
    }

    private static async Task SyncAndCheckAsync(SyncPair pair, AptRepo repo)
    {
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());
        await Run.Ok(repo.Check(pair.Target));
        TreeAssert.Equal(repo.Tree, pair.Target);
        await Run.Ok(pair.Verify());
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
    }
}

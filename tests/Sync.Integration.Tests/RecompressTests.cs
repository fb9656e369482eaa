using System.Text.RegularExpressions;
using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// Issue 10, item 2 with the real agents and a real reprepro repository: a day's update sends its compressed indices
/// as instructions to rebuild them on the inside, and the published tree equals the source byte for byte.
/// </summary>
[Collection("apt")]
public sealed partial class RecompressTests
{
    [Theory]
    [InlineData("snapshot")]
    [InlineData("in-place")]
    public async Task A_reprepro_days_update_rebuilds_its_compressed_indices_on_the_inside(string publish)
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = publish;
        var repo = await AptRepo.CreateAsync(pair.Dir("repo"), packages: 40, sizeKib: 16);
        pair.Source = repo.Tree;
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());

        await repo.Update(add: 4, remove: 2, upgrade: 5);
        var export = await Run.Ok(pair.Export());

        // reprepro rewrote Packages, Packages.gz and Packages.xz: both compressed ones are reproduced (zlib, liblzma).
        Assert.Equal(2, Rebuilt(export.Stdout));
        await Run.Ok(pair.Import());
        TreeAssert.Equal(repo.Tree, pair.Target);
        await Run.Ok(repo.Check(pair.Target));
        await Run.Ok(pair.Verify());

        await repo.Update(add: 1, remove: 1, upgrade: 1);
        var plain = await Run.Ok(pair.Export("--no-recompress"));
        Assert.Equal(0, Rebuilt(plain.Stdout));
        await Run.Ok(pair.Import());
        TreeAssert.Equal(repo.Tree, pair.Target);

        // --recompress-max: an .xz whose plain text is larger travels as bytes (the .gz is rebuilt all the same: zlib is
        // quick); one at the limit is rebuilt.
        await repo.Update(add: 1, remove: 1, upgrade: 1);
        var belowLimit = await Run.Ok(pair.Export("--recompress-max", (LargestPlainIndex(repo.Tree) - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(1, Rebuilt(belowLimit.Stdout));
        await Run.Ok(pair.Import());
        await repo.Update(add: 1, remove: 1, upgrade: 1);
        var atLimit = await Run.Ok(pair.Export("--recompress-max", LargestPlainIndex(repo.Tree).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(2, Rebuilt(atLimit.Stdout));
        await Run.Ok(pair.Import());
        TreeAssert.Equal(repo.Tree, pair.Target);
    }

    private static long LargestPlainIndex(string tree) =>
        Directory.EnumerateFiles(Path.Combine(tree, "dists"), "Packages", SearchOption.AllDirectories).Max(path => new FileInfo(path).Length);

    /// <summary>
    /// As Ubuntu's archive ships them: Packages.gz and .xz without a plain Packages. The day's update travels as the
    /// delta of the plain text plus the proven setting; the inside patches its decompressed copy and recompresses.
    /// </summary>
    [Fact]
    public async Task A_repository_shipping_only_compressed_indices_sends_a_day_as_a_plain_text_delta()
    {
        using var pair = await SyncPair.CreateAsync();
        var repo = await AptRepo.CreateAsync(pair.Dir("repo"), packages: 40, sizeKib: 16);
        pair.Source = repo.Tree;
        var dropped = DropPlainIndices(repo.Tree);
        Assert.NotEmpty(dropped);
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());

        await repo.Update(add: 4, remove: 2, upgrade: 5);
        DropPlainIndices(repo.Tree);
        var export = await Run.Ok(pair.Export("--recompress-max", "unlimited"));

        Assert.Equal(2, Rebuilt(export.Stdout));
        await Run.Ok(pair.Import());
        TreeAssert.Equal(repo.Tree, pair.Target);
        Assert.All(dropped, path => Assert.False(File.Exists(Path.Combine(pair.Target, Path.GetRelativePath(repo.Tree, path)))));
        await Run.Ok(pair.Verify());
    }

    private static List<string> DropPlainIndices(string tree)
    {
        var plain = Directory.EnumerateFiles(Path.Combine(tree, "dists"), "Packages", SearchOption.AllDirectories).ToList();
        plain.ForEach(File.Delete);
        return plain;
    }

    private static int Rebuilt(string stdout) =>
        RebuiltPattern().Match(stdout) is { Success: true } m ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;

    [GeneratedRegex(@"as byte deltas, (\d+) rebuilt by recompression;")]
    private static partial Regex RebuiltPattern();
}

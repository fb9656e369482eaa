using Sync.Core.Posix;
using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// What the inside lets a manifest decide about the metadata of files it publishes as root: no setuid, setgid or
/// sticky bits and no write bit for others unless the operator asks; and no step ever changes an inode another
/// published path shares.
/// </summary>
public sealed class PublishedMetadataTests
{
    private static readonly DateTime When = new(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc);

    [Theory]
    [InlineData("snapshot", false)]
    [InlineData("in-place", false)]
    [InlineData("snapshot", true)]
    [InlineData("in-place", true)]
    public async Task Special_mode_bits_and_write_for_others_are_published_only_when_asked(string publish, bool keep)
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = publish;
        TreeBuilder.Write(pair.Source, "pool/setuid.deb", [1, 2, 3], (UnixFileMode)0x9ED);       // 04755
        TreeBuilder.Write(pair.Source, "pool/setgid.deb", [4, 5, 6], (UnixFileMode)0x5ED);       // 02755
        TreeBuilder.Write(pair.Source, "dists/s/Packages", [7, 8, 9], (UnixFileMode)0x1B6);      // 0666
        File.SetUnixFileMode(Path.Combine(pair.Source, "pool"), (UnixFileMode)0x3FF);           // 01777
        var extra = keep ? new[] { "--keep-special-modes" } : [];

        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import(extra));

        Assert.Equal(keep ? 0x9ED : 0x1ED, Mode(pair.Target, "pool/setuid.deb"));
        Assert.Equal(keep ? 0x5ED : 0x1ED, Mode(pair.Target, "pool/setgid.deb"));
        Assert.Equal(keep ? 0x1B6 : 0x1B4, Mode(pair.Target, "dists/s/Packages"));
        Assert.Equal(keep ? 0x3FF : 0x1FD, Mode(pair.Target, "pool"));
        await Run.Ok(pair.Verify());

        // The policy is part of the state: switching it silently would leave files published under the old one.
        var switched = await pair.Import(keep ? [] : ["--keep-special-modes"]);
        Assert.Equal(2, switched.ExitCode);
        Assert.Contains("--keep-special-modes", switched.Stderr);
    }

    [Theory]
    [InlineData("snapshot")]
    [InlineData("in-place")]
    public async Task Changing_the_mtime_of_one_of_two_identical_files_leaves_the_other_alone(string publish)
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = publish;
        var content = TreeBuilder.RandomBytes(50_000, 1);
        TreeBuilder.Write(pair.Source, "pool/a.deb", content, mtime: When);
        TreeBuilder.Write(pair.Source, "pool/b.deb", content, mtime: When);
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());

        // Only b's metadata changes; the inside had every reason to publish a and b as one inode.
        File.SetLastWriteTimeUtc(Path.Combine(pair.Source, "pool/b.deb"), When.AddDays(1));
        File.SetUnixFileMode(Path.Combine(pair.Source, "pool/b.deb"), (UnixFileMode)0x180);
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());

        TreeAssert.Equal(pair.Source, pair.Target);
        await Run.Ok(pair.Verify());
    }

    /// <summary>The mode a reader sees: through a symlink where the tree has one (snapshot mode's shared pool).</summary>
    private static int Mode(string root, string path)
    {
        var full = Path.Combine(Resolve(root), path);
        return Posix.LStat(Posix.LStat(full).Kind == UnixFileKind.Symlink ? new DirectoryInfo(full).ResolveLinkTarget(true)!.FullName : full).Mode;
    }

    private static string Resolve(string root) =>
        Posix.LStat(root).Kind == UnixFileKind.Symlink ? new DirectoryInfo(root).ResolveLinkTarget(true)!.FullName : root;
}

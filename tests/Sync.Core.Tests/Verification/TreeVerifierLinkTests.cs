using Sync.Core.Manifests;
using Sync.Testing.FileSystem;
using Sync.Core.Verification;

namespace Sync.Core.Tests.Verification;

/// <summary>`verify` flags a published link that, followed through the published tree, leaves it.</summary>
public sealed class TreeVerifierLinkTests
{
    private static readonly ManifestEntry[] Safe =
    [
        ManifestEntry.Directory("d", 0x1ED, 0),
        ManifestEntry.Symlink("d/x", "..", 0),
        ManifestEntry.Symlink("d/y", "x/d", 0),
    ];

    private static string Publish(TempDirectory dir, IEnumerable<ManifestEntry> entries)
    {
        var root = dir.CreateSubdirectory("published");
        foreach (var entry in entries)
        {
            var path = Path.Combine(root, entry.Path);
            if (entry.Kind == EntryKind.Directory)
            {
                Directory.CreateDirectory(path);
                File.SetUnixFileMode(path, (UnixFileMode)entry.Mode);
            }
            else
            {
                File.CreateSymbolicLink(path, entry.LinkTarget!);
            }
        }

        return root;
    }

    private static Task<IReadOnlyList<string>> VerifyAsync(string root, IReadOnlyList<ManifestEntry> entries) =>
        TreeVerifier.VerifyAsync(root, new Manifest(1, DateTimeOffset.UnixEpoch, entries), new OperationProgress(), CancellationToken.None);

    [Fact]
    public async Task A_tree_whose_links_stay_inside_verifies()
    {
        using var dir = new TempDirectory();
        Assert.Empty(await VerifyAsync(Publish(dir, Safe), Safe));
    }

    [Fact]
    public async Task Flags_escaping_links_of_a_generation_published_before_links_were_resolved()
    {
        using var dir = new TempDirectory();
        ManifestEntry[] chain = [.. Safe[..2], ManifestEntry.Symlink("d/e", "y/victim", 0), ManifestEntry.Symlink("d/y", "x/../..", 0)];
        var chainSorted = chain.OrderBy(e => e.Path, StringComparer.Ordinal).ToArray();

        var problems = await VerifyAsync(Publish(dir, chainSorted), chainSorted);
        Assert.Equal(
            [
                "unsafe link: d/e -> y/victim resolves outside the tree through 'd/y' -> 'x/../..'",
                "unsafe link: d/y -> x/../.. resolves outside the tree",
            ],
            problems);
    }

    [Fact]
    public async Task Flags_a_link_changed_in_place_to_leave_the_tree()
    {
        using var dir = new TempDirectory();
        var root = Publish(dir, Safe);
        File.Delete(Path.Combine(root, "d/y"));
        File.CreateSymbolicLink(Path.Combine(root, "d/y"), "x/../..");

        var problems = await VerifyAsync(root, Safe);
        Assert.Equal(["link target differs: d/y", "unsafe link: d/y -> x/../.. resolves outside the tree"], problems);
    }
}

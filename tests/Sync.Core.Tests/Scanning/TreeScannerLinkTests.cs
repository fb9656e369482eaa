using Microsoft.Extensions.Logging.Abstractions;
using Sync.Core.Scanning;
using Sync.Core.Storage;
using Sync.Core.Tests.FileDrop;

namespace Sync.Core.Tests.Scanning;

/// <summary>The outside's scan refuses a source tree whose links leave it, before any file is read.</summary>
public sealed class TreeScannerLinkTests
{
    private static async Task<ScanResult> ScanAsync(string root, string state)
    {
        using var signatures = new SignatureStore(state);
        return await new TreeScanner(NullLogger.Instance).ScanAsync(root, new ScanCache(), signatures, new ScanOptions(), new OperationProgress(), CancellationToken.None);
    }

    [Fact]
    public async Task Refuses_a_chain_that_leaves_the_tree_naming_the_first_link_and_counting_the_rest()
    {
        using var dir = new TempDirectory();
        var root = dir.CreateSubdirectory("source");
        Directory.CreateDirectory(Path.Combine(root, "d"));
        File.WriteAllBytes(Path.Combine(root, "d/file"), [1, 2, 3]);
        File.CreateSymbolicLink(Path.Combine(root, "d/x"), "..");
        File.CreateSymbolicLink(Path.Combine(root, "d/y"), "x/../..");
        File.CreateSymbolicLink(Path.Combine(root, "d/e"), "y/victim");

        var e = await Assert.ThrowsAsync<SyncException>(() => ScanAsync(root, dir.CreateSubdirectory("state")));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Equal("source symlink 'd/e' -> 'y/victim' cannot be carried: resolves outside the tree through 'd/y' -> 'x/../..' (and 1 more such link(s))", e.Message);
    }

    [Fact]
    public async Task Refuses_a_loop()
    {
        using var dir = new TempDirectory();
        var root = dir.CreateSubdirectory("source");
        File.CreateSymbolicLink(Path.Combine(root, "a"), "b");
        File.CreateSymbolicLink(Path.Combine(root, "b"), "a");

        var e = await Assert.ThrowsAsync<SyncException>(() => ScanAsync(root, dir.CreateSubdirectory("state")));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Contains("'a' -> 'b' cannot be carried: does not resolve within 40 links", e.Message);
    }

    [Fact]
    public async Task Carries_dangling_links_and_links_to_an_ancestor()
    {
        using var dir = new TempDirectory();
        var root = dir.CreateSubdirectory("source");
        Directory.CreateDirectory(Path.Combine(root, "dists/bookworm"));
        File.CreateSymbolicLink(Path.Combine(root, "dists/stable"), "bookworm");
        File.CreateSymbolicLink(Path.Combine(root, "dists/testing"), "trixie");
        File.CreateSymbolicLink(Path.Combine(root, "debian"), ".");

        var scan = await ScanAsync(root, dir.CreateSubdirectory("state"));
        Assert.Equal(["debian", "dists", "dists/bookworm", "dists/stable", "dists/testing"], scan.Entries.Select(e => e.Path));
    }
}

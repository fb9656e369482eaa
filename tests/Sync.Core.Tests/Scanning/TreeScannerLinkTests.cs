using Microsoft.Extensions.Logging.Abstractions;
using Sync.Core.Scanning;
using Sync.Core.Storage;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.Scanning;

/// <summary>The outside's scan refuses a source tree whose links leave it, before any file is read.</summary>
public sealed class TreeScannerLinkTests
{
    private static async Task<ScanResult> ScanAsync(string root, string state)
    {
        using var signatures = new SignatureStore(state);
        return await new TreeScanner(NullLogger.Instance).ScanAsync(root, new ScanCache(), signatures, new ScanOptions(), new OperationProgress(), CancellationToken.None);
    }

    /// <summary>Scans a source holding the directories <paramref name="directories"/> and the links "path -> target".</summary>
    private static async Task<ScanResult> ScanSourceAsync(string[] directories, params string[] links)
    {
        using var dir = new TempDirectory();
        var root = dir.CreateSubdirectory("source");
        foreach (var directory in directories)
        {
            Directory.CreateDirectory(Path.Combine(root, directory));
        }

        foreach (var link in links.Select(l => l.Split(" -> ")))
        {
            File.CreateSymbolicLink(Path.Combine(root, link[0]), link[1]);
        }

        return await ScanAsync(root, dir.CreateSubdirectory("state"));
    }

    [Fact]
    public async Task Refuses_a_chain_that_leaves_the_tree_naming_the_first_link_and_counting_the_rest()
    {
        var e = await Assert.ThrowsAsync<SyncException>(() => ScanSourceAsync(["d"], "d/x -> ..", "d/y -> x/../..", "d/e -> y/victim"));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Equal("source symlink 'd/e' -> 'y/victim' cannot be carried: resolves outside the tree through 'd/y' -> 'x/../..' (and 1 more such link(s))", e.Message);
    }

    [Fact]
    public async Task Refuses_a_loop()
    {
        var e = await Assert.ThrowsAsync<SyncException>(() => ScanSourceAsync([], "a -> b", "b -> a"));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Contains("'a' -> 'b' cannot be carried: does not resolve within 40 links", e.Message);
    }

    [Fact]
    public async Task Carries_dangling_links_and_links_to_an_ancestor()
    {
        var scan = await ScanSourceAsync(["dists/bookworm"], "dists/stable -> bookworm", "dists/testing -> trixie", "debian -> .");
        Assert.Equal(["debian", "dists", "dists/bookworm", "dists/stable", "dists/testing"], scan.Entries.Select(e => e.Path));
    }
}

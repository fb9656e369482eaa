using Microsoft.Extensions.Logging.Abstractions;
using Sync.Core.Manifests;
using Sync.Core.Scanning;
using Sync.Core.Storage;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.Scanning;

/// <summary>The walk builds each path in one buffer from the root: every shape of root and name must come out the same.</summary>
public sealed class TreeWalkTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("")]
    [InlineData("/")]
    [InlineData("//")]
    public async Task A_root_with_or_without_a_trailing_slash_gives_the_same_entries_and_the_cache_serves_both(string suffix)
    {
        var root = BuildTree();
        using var signatures = new SignatureStore(_temp.Combine("signatures"));
        var first = await ScanAsync(root, new ScanCache(), signatures);

        var again = await ScanAsync(root + suffix, first.Cache, signatures);

        Assert.Equal(
            ["dists", "dists/stable", "pool", "pool/main", "pool/main/ü", "pool/main/ü/plain.deb", "pool/main/ü/файл_1.0.deb", "top.txt"],
            first.Entries.Select(e => e.Path));
        Assert.Equal(first.Entries.Select(Describe), again.Entries.Select(Describe));
        Assert.Equal(0, again.FilesHashed);
        Assert.Equal("../pool", again.Entries.Single(e => e.Kind == EntryKind.Symlink).LinkTarget);
    }

    [Fact]
    public async Task A_file_replaced_under_the_same_name_is_read_again()
    {
        var root = BuildTree();
        using var signatures = new SignatureStore(_temp.Combine("signatures"));
        var first = await ScanAsync(root, new ScanCache(), signatures);
        var file = Path.Combine(root, "pool/main/ü/файл_1.0.deb");
        File.Delete(file);
        File.WriteAllText(file, "new content");

        var again = await ScanAsync(root, first.Cache, signatures);

        Assert.Equal(1, again.FilesHashed);
        Assert.Equal(11, again.Entries.Single(e => e.Path == "pool/main/ü/файл_1.0.deb").Size);
    }

    private string BuildTree()
    {
        var root = _temp.CreateSubdirectory("tree");
        Directory.CreateDirectory(Path.Combine(root, "pool/main/ü"));
        Directory.CreateDirectory(Path.Combine(root, "dists"));
        File.WriteAllText(Path.Combine(root, "pool/main/ü/файл_1.0.deb"), "a package");
        File.WriteAllText(Path.Combine(root, "pool/main/ü/plain.deb"), "another");
        File.WriteAllText(Path.Combine(root, "top.txt"), "top");
        File.CreateSymbolicLink(Path.Combine(root, "dists/stable"), "../pool");
        return root;
    }

    private static Task<ScanResult> ScanAsync(string root, ScanCache cache, SignatureStore signatures) =>
        new TreeScanner(NullLogger.Instance).ScanAsync(root, cache, signatures, new ScanOptions(), new OperationProgress(), CancellationToken.None);

    private static string Describe(ManifestEntry e) => $"{e.Path} {e.Kind} {e.Mode} {e.MtimeNs} {e.Size} {e.Digest} {e.LinkTarget}";
}

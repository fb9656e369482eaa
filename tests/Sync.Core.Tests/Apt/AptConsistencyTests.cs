using Sync.Core.Apt;

namespace Sync.Core.Tests.Apt;

/// <summary>
/// Issue 11, the outside consistency guard: the chain InRelease/Release → indices → pool, checked against the scan, so a
/// tree caught in the middle of a reprepro update is never signed.
/// </summary>
public sealed class AptConsistencyTests : IDisposable
{
    private readonly AptTreeKit _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public async Task A_finished_tree_is_consistent_and_every_link_of_the_chain_was_checked()
    {
        var report = AptConsistency.Check(_tree.Root, await _tree.ScanAsync(), CancellationToken.None);

        Assert.True(report.IsRepository);
        Assert.True(report.IsConsistent, report.Summary);
        Assert.Equal(2, report.ReleaseFiles); // Release and InRelease; the component's own Release is not a suite's
        Assert.Equal(2 * 4, report.IndicesChecked); // each lists Packages, Packages.gz, the component Release, Sources.gz
        Assert.Equal(4, report.PoolFilesChecked); // two .deb from Packages, the .dsc and .tar.gz from Sources
        Assert.Contains(report.Notes, n => n.Contains("absent", StringComparison.Ordinal)); // Packages.xz and Sources: listed, never written
    }

    [Fact]
    public async Task A_pool_file_of_several_chunks_with_other_bytes_of_the_same_size_is_named()
    {
        var deb = AptTreeKit.Random(3 << 20, 99);
        _tree.Write("pool/main/h/hello/hello_1.0_amd64.deb", deb);

        var report = AptConsistency.Check(_tree.Root, await _tree.ScanAsync(), CancellationToken.None);

        Assert.Equal(
            "pool/main/h/hello/hello_1.0_amd64.deb does not have the SHA256 dists/stable/main/binary-amd64/Packages lists",
            Assert.Single(report.Problems));
    }

    [Fact]
    public async Task A_scan_without_content_hashes_still_checks_by_reading_the_file()
    {
        _tree.Write("pool/main/h/hello/hello_1.0_amd64.deb", AptTreeKit.Random(3 << 20, 99));

        var report = AptConsistency.Check(_tree.Root, await _tree.ScanAsync(contentHashes: false), CancellationToken.None);

        Assert.Single(report.Problems);
    }

    [Fact]
    public async Task Indices_rewritten_before_the_release_are_refused_with_the_first_and_the_count()
    {
        // reprepro mid-update: a new package in the pool and the indices, the old Release and InRelease still in place.
        _tree.Write("pool/main/t/tiny/tiny_1.0_all.deb", AptTreeKit.Random(2100, 6));
        _tree.WriteIndices(release: false);

        var report = AptConsistency.Check(_tree.Root, await _tree.ScanAsync(), CancellationToken.None);

        Assert.False(report.IsConsistent);
        Assert.Equal("dists/stable/main/binary-amd64/Packages does not have the SHA256 dists/stable/InRelease lists", report.Problems[0]);
        Assert.Equal(4, report.Problems.Count); // Packages and Packages.gz, each against InRelease and Release
        Assert.Equal($"{report.Problems[0]} (and 3 more inconsistencies)", report.Summary);
    }

    [Fact]
    public async Task A_pool_file_an_index_names_that_is_missing_is_named()
    {
        File.Delete(_tree.Pool("pool/main/h/hello/hello_1.0.tar.gz"));

        var report = AptConsistency.Check(_tree.Root, await _tree.ScanAsync(), CancellationToken.None);

        Assert.Equal("pool/main/h/hello/hello_1.0.tar.gz is missing but dists/stable/main/source/Sources.gz names it", Assert.Single(report.Problems));
    }

    [Fact]
    public async Task A_pool_file_of_another_size_is_named_with_both_sizes()
    {
        _tree.Write("pool/main/t/tiny/tiny_1.0_all.deb", AptTreeKit.Random(1999, 2));

        var report = AptConsistency.Check(_tree.Root, await _tree.ScanAsync(), CancellationToken.None);

        Assert.Equal("pool/main/t/tiny/tiny_1.0_all.deb has 1999 bytes but dists/stable/main/binary-amd64/Packages lists 2000", Assert.Single(report.Problems));
    }

    [Fact]
    public async Task An_index_that_changed_after_the_scan_is_not_trusted()
    {
        var scan = await _tree.ScanAsync();
        _tree.WriteRelease();
        File.AppendAllText(Path.Combine(_tree.Root, "dists/stable/Release"), "\n");

        var report = AptConsistency.Check(_tree.Root, scan, CancellationToken.None);

        Assert.Contains("dists/stable/Release changed since the scan", report.Problems);
    }

    [Fact]
    public async Task A_packages_index_that_changed_after_the_scan_is_named_and_what_it_names_is_not_held_against_the_pool()
    {
        var scan = await _tree.ScanAsync();
        File.AppendAllText(
            Path.Combine(_tree.Root, "dists/stable/main/binary-amd64/Packages"),
            "Package: ghost\nFilename: pool/main/g/ghost/ghost_1.0_all.deb\nSize: 1\n\n");

        var report = AptConsistency.Check(_tree.Root, scan, CancellationToken.None);

        Assert.Equal("dists/stable/main/binary-amd64/Packages changed since the scan", Assert.Single(report.Problems));
        Assert.Equal(2, report.PoolFilesChecked); // the .dsc and .tar.gz of Sources.gz; nothing the changed Packages named
    }

    [Fact]
    public async Task A_pool_shared_by_two_suites_is_checked_once_and_a_missing_file_named_once()
    {
        CopyDirectory(Path.Combine(_tree.Root, "dists/stable"), Path.Combine(_tree.Root, "dists/updates"));

        var whole = AptConsistency.Check(_tree.Root, await _tree.ScanAsync(), CancellationToken.None);
        Assert.True(whole.IsConsistent, whole.Summary);
        Assert.Equal(4, whole.ReleaseFiles);
        Assert.Equal(4, whole.PoolFilesChecked);

        File.Delete(_tree.Pool("pool/main/t/tiny/tiny_1.0_all.deb"));
        var report = AptConsistency.Check(_tree.Root, await _tree.ScanAsync(), CancellationToken.None);

        Assert.Equal("pool/main/t/tiny/tiny_1.0_all.deb is missing but dists/stable/main/binary-amd64/Packages names it", Assert.Single(report.Problems));
        Assert.Equal(4, report.PoolFilesChecked);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    [Fact]
    public async Task Indices_only_as_xz_are_not_read_and_a_note_says_so()
    {
        File.Move(Path.Combine(_tree.Root, "dists/stable/main/source/Sources.gz"), Path.Combine(_tree.Root, "dists/stable/main/source/Sources.xz"));
        File.Delete(_tree.Pool("pool/main/h/hello/hello_1.0.tar.gz"));
        var release = File.ReadAllText(Path.Combine(_tree.Root, "dists/stable/Release")).Replace("main/source/Sources.gz", "main/source/Sources.xz", StringComparison.Ordinal);
        _tree.Write("dists/stable/Release", System.Text.Encoding.UTF8.GetBytes(release));
        File.Delete(Path.Combine(_tree.Root, "dists/stable/InRelease"));

        var report = AptConsistency.Check(_tree.Root, await _tree.ScanAsync(), CancellationToken.None);

        Assert.True(report.IsConsistent, report.Summary);
        Assert.Contains(report.Notes, n => n.StartsWith("dists/stable/main/source/Sources: only as .xz", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_tree_without_dists_is_not_a_repository_and_a_release_without_sums_is_not_judged()
    {
        Directory.Delete(Path.Combine(_tree.Root, "dists"), recursive: true);
        Assert.False(AptConsistency.Check(_tree.Root, await _tree.ScanAsync(), CancellationToken.None).IsRepository);

        _tree.Write("dists/noble/InRelease", "signed, again\n"u8.ToArray());
        var report = AptConsistency.Check(_tree.Root, await _tree.ScanAsync(), CancellationToken.None);
        Assert.True(report.IsConsistent);
        Assert.Contains(report.Notes, n => n.Contains("lists no SHA256", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_malformed_index_field_is_not_held_against_the_pool_and_never_a_crash()
    {
        var packages = Path.Combine(_tree.Root, "dists/stable/main/binary-amd64/Packages");
        File.WriteAllText(packages, File.ReadAllText(packages).Replace("SHA256: ", "SHA256: zz", StringComparison.Ordinal).Replace("Size: 2000", "Size: x", StringComparison.Ordinal));
        File.Delete(packages + ".gz");
        _tree.WriteRelease();

        var report = AptConsistency.Check(_tree.Root, await _tree.ScanAsync(), CancellationToken.None);

        Assert.True(report.IsConsistent, report.Summary); // no usable SHA256 and no size: nothing to hold the files to
        Assert.Equal(3, report.PoolFilesChecked); // hello (its size, no usable hash), the two source files; tiny has no size
    }
}

using System.Security.Cryptography;
using Sync.Core;
using Sync.Core.Hashing;
using Sync.Core.Manifests;

namespace Sync.Core.Tests.Manifests;

public sealed class ManifestValidatorTests
{
    internal static ManifestEntry File(string path, params byte[][] chunks)
    {
        var refs = chunks.Select(c => new ChunkRef(Digest.Compute(c), c.Length)).ToArray();
        var digest = Digest.FromBytes(SHA256.HashData(refs.SelectMany(r => r.Digest.ToArray()).ToArray()));
        return new ManifestEntry(path, EntryKind.File, 0x1A4, 1_700_000_000_123_456_789, chunks.Sum(c => (long)c.Length), digest, refs, null);
    }

    private static Manifest Of(params ManifestEntry[] entries) => new(1, DateTimeOffset.UnixEpoch, entries);

    /// <summary>Refused with <paramref name="reason"/>; a hostile entry as unsafe, malformed data as damaged (status and metrics count them apart).</summary>
    private static void AssertRefused(Manifest manifest, string reason, ManifestLimits? limits = null)
    {
        var e = Assert.Throws<SyncException>(() => ManifestValidator.Validate(manifest, limits ?? ManifestLimits.Default));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Contains(reason, e.Message);
        string[] malformed = ["out of order", "add up", "absurd size", "digest", "limit"];
        Assert.Equal(malformed.Any(reason.Contains) ? RefusalKind.Damaged : RefusalKind.UnsafeEntry, e.Refusal);
    }

    [Fact]
    public void Accepts_a_well_formed_tree() => ManifestValidator.Validate(
        Of(ManifestEntry.Directory("dists", 0x1ED, 0), ManifestEntry.Symlink("dists/stable", "sample", 0), File("dists/x", [1, 2, 3]), File("empty")),
        ManifestLimits.Default);

    [Fact]
    public void Refuses_entries_through_a_symlink_or_a_file() =>
        AssertRefused(Of(ManifestEntry.Symlink("link", "dir", 0), File("link/passwd", [1])), "not inside a directory");

    [Fact]
    public void Refuses_entries_whose_parent_is_missing() => AssertRefused(Of(File("a/b", [1])), "not inside a directory");

    [Fact]
    public void Refuses_duplicates_and_disorder()
    {
        AssertRefused(Of(File("a", [1]), File("a", [1])), "out of order");
        AssertRefused(Of(File("b", [1]), File("a", [1])), "out of order");
    }

    [Fact]
    public void Refuses_device_files() =>
        AssertRefused(Of(new ManifestEntry("dev", (EntryKind)7, 0, 0, 0, Digest.Empty, [], null)), "unsupported kind");

    [Fact]
    public void Refuses_escaping_symlinks() => AssertRefused(Of(ManifestEntry.Symlink("up", "../../etc", 0)), "outside");

    [Fact]
    public void Refuses_a_chain_of_links_that_leaves_the_tree_although_each_target_stays_inside_when_read_alone()
    {
        var chain = Of(
            ManifestEntry.Directory("d", 0x1ED, 0),
            ManifestEntry.Symlink("d/e", "y/victim", 0),
            ManifestEntry.Symlink("d/x", "..", 0),
            ManifestEntry.Symlink("d/y", "x/../..", 0));
        AssertRefused(chain, "manifest symlink 'd/e' -> 'y/victim' refused: resolves outside the tree through 'd/y' -> 'x/../..'");
    }

    [Fact]
    public void Refuses_symlink_loops() =>
        AssertRefused(Of(ManifestEntry.Symlink("a", "b", 0), ManifestEntry.Symlink("b", "a", 0)), "'a' -> 'b' refused: does not resolve within 40 links");

    [Fact]
    public void Accepts_dangling_links_and_links_to_the_root_or_an_ancestor() => ManifestValidator.Validate(
        Of(
            ManifestEntry.Directory("dists", 0x1ED, 0),
            ManifestEntry.Symlink("dists/testing", "trixie", 0),
            ManifestEntry.Symlink("dists/up", "..", 0),
            ManifestEntry.Symlink("ubuntu", ".", 0)),
        ManifestLimits.Default);

    [Fact]
    public void A_base_manifest_is_checked_but_its_links_are_not_resolved()
    {
        var chain = Of(ManifestEntry.Directory("d", 0x1ED, 0), ManifestEntry.Symlink("d/x", "..", 0), ManifestEntry.Symlink("d/y", "x/../..", 0));
        ManifestValidator.Validate(chain, ManifestLimits.Base);
        AssertRefused(Of(File("b", [1]), File("a", [1])), "out of order", ManifestLimits.Base);
    }

    [Fact]
    public void Refuses_sizes_that_do_not_add_up()
    {
        var good = File("f", [1, 2, 3]);
        AssertRefused(Of(good with { Size = 4 }), "add up");
        AssertRefused(Of(good with { Size = -1 }), "absurd size");
    }

    [Fact]
    public void Refuses_a_digest_that_does_not_match_the_chunks()
    {
        var good = File("f", [1, 2, 3]);
        AssertRefused(Of(good with { Digest = Digest.Compute([9]) }), "digest");
    }

    [Fact]
    public void Refuses_too_many_entries() =>
        AssertRefused(Of(File("a", [1]), File("b", [1])), "limit", new ManifestLimits { MaxEntries = 1 });

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("/etc/passwd")]
    [InlineData("a/./b")]
    public void Refuses_hostile_paths_as_unsafe(string path) => AssertRefused(Of(File(path, [1])), "hostile or invalid path");

    [Fact]
    public void Refuses_special_mode_bits() => AssertRefused(Of(File("f", [1]) with { Mode = 0x10000 }), "mode");
}

using Sync.Testing.FileSystem;
using Sync.Transport.FileDrop;

namespace Sync.Transport.FileDrop.Tests;

/// <summary>What `import --applied` and `--refused` take out of a drop folder, and what they must leave.</summary>
public sealed class BundleSettlementTests
{
    [Fact]
    public void A_damaged_index_takes_its_own_parts_found_by_name_and_no_other_bundles()
    {
        using var temp = new TempDirectory();
        var drop = temp.CreateSubdirectory("drop");
        var quarantine = temp.CreateSubdirectory("quarantine");
        const string damaged = "sync-g00000009-b00000008-0123456789ab";
        const string other = "sync-g00000009-b00000008-abcdefabcdef";
        foreach (var name in new[] { damaged + ".index", damaged + ".p0001", damaged + ".p0002", damaged + ".tmp", other + ".index", other + ".p0001" })
        {
            File.WriteAllText(Path.Combine(drop, name), name);
        }

        // An index whose name would, read as a search pattern, match the other bundle's parts too.
        const string wildcard = "sync-g00000009-b00000008-????????????";
        File.WriteAllText(Path.Combine(drop, wildcard + ".index"), "not an index");

        var refused = BundleSettlement.ParseRefused("move:" + quarantine, drop);
        refused.Settle(Damaged(drop, damaged), drop);
        refused.Settle(Damaged(drop, wildcard), drop);

        Assert.Equal(
            [damaged + ".index", damaged + ".p0001", damaged + ".p0002", wildcard + ".index"],
            Directory.GetFiles(quarantine).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(
            [damaged + ".tmp", other + ".index", other + ".p0001"], // a .tmp is not a part: an export still writing it
            Directory.GetFiles(drop).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("delete")]
    [InlineData("archive")]
    [InlineData("move:")]
    public void Refused_bundles_are_kept_or_moved_never_deleted(string text) =>
        Assert.Equal(Sync.Core.SyncErrorKind.Usage, Assert.Throws<Sync.Core.SyncException>(() => BundleSettlement.ParseRefused(text, "/nonexistent-drop")).Kind);

    private static BundleListing Damaged(string drop, string name) =>
        new() { IndexPath = Path.Combine(drop, name + ".index"), Name = name, Error = "not a bundle index" };
}

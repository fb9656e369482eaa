using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Protocol;

namespace Sync.Core.Tests.Manifests;

/// <summary>
/// A parse that shares path strings with a manifest held anyway: the same manifest as a plain parse, one copy of
/// each path both hold, and nothing but an equal string ever handed back, whatever order the input is in.
/// </summary>
public sealed class PathSharerTests
{
    [Fact]
    public void A_parse_beside_the_base_holds_one_copy_of_each_shared_path_and_the_same_manifest()
    {
        var held = Manifest(1, ["a", "a/x", "a/y", "b", "b/z"]);
        var next = Manifest(2, ["a", "a/w", "a/y", "b", "c"]);
        var bytes = ProtobufWireCodec.Instance.SerializeManifest(next);

        var plain = ProtobufWireCodec.Instance.ParseManifest(bytes, ManifestLimits.Base);
        var shared = ProtobufWireCodec.Instance.ParseManifest(bytes, ManifestLimits.Base, held.Entries);

        Assert.Equal(plain.Entries, shared.Entries);
        Assert.Equal(ProtobufWireCodec.Instance.SerializeManifest(plain), ProtobufWireCodec.Instance.SerializeManifest(shared));
        var heldPaths = held.Entries.ToDictionary(e => e.Path, e => e.Path, StringComparer.Ordinal);
        foreach (var entry in shared.Entries)
        {
            Assert.Equal(heldPaths.ContainsKey(entry.Path), heldPaths.TryGetValue(entry.Path, out var h) && ReferenceEquals(h, entry.Path));
        }
    }

    [Fact]
    public void Paths_out_of_order_only_share_less_and_are_never_swapped()
    {
        var sharer = new PathSharer(Manifest(1, ["a", "b", "c"]).Entries);

        Assert.Equal("c", sharer.Share(new string('c', 1)));
        Assert.Equal("a", sharer.Share(new string('a', 1)));   // behind the cursor: its own string, still equal
        Assert.Equal("zz", sharer.Share("zz"));
        Assert.Equal("b", sharer.Share(new string('b', 1)));
    }

    private static Manifest Manifest(long generation, string[] paths) =>
        new(generation, DateTimeOffset.UnixEpoch, paths.Select(p => p.Contains('/', StringComparison.Ordinal) || p == "c"
            ? new ManifestEntry(p, EntryKind.File, 0x1A4, 0, 0, Digest.Compute([]), [], null)
            : ManifestEntry.Directory(p, 0x1ED, 0)).ToList());
}

using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Protocol;

namespace Sync.Core.Tests.Manifests;

/// <summary>
/// A parse that shares with a manifest held anyway: the same manifest as a plain parse; an unchanged entry is the held
/// object, a changed one at a held path shares its string; nothing but an equal string or entry is ever handed back,
/// whatever order the input is in.
/// </summary>
public sealed class EntrySharerTests
{
    [Fact]
    public void A_parse_beside_the_base_holds_one_copy_of_each_unchanged_entry_and_the_same_manifest()
    {
        var held = Manifest(1, [Dir("a"), File("a/x", 1), File("a/y", 2), Dir("b"), File("b/z", 3)]);
        var next = Manifest(2, [Dir("a"), File("a/w", 4), File("a/y", 5), Dir("b"), File("b/z", 3), File("c", 6)]);
        var bytes = ProtobufWireCodec.Instance.SerializeManifest(next);

        var plain = ProtobufWireCodec.Instance.ParseManifest(bytes, ManifestLimits.Base);
        var shared = ProtobufWireCodec.Instance.ParseManifest(bytes, ManifestLimits.Base, held.Entries);

        Assert.Equal(bytes, ProtobufWireCodec.Instance.SerializeManifest(shared));
        Assert.Equal(ProtobufWireCodec.Instance.SerializeManifest(plain), ProtobufWireCodec.Instance.SerializeManifest(shared));
        var heldByPath = held.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
        var reused = shared.Entries.Where(e => heldByPath.TryGetValue(e.Path, out var h) && ReferenceEquals(h, e)).Select(e => e.Path);
        Assert.Equal(["a", "b", "b/z"], reused);
        var changed = shared.Entries.Single(e => e.Path == "a/y");
        Assert.NotSame(heldByPath["a/y"], changed);
        Assert.Same(heldByPath["a/y"].Path, changed.Path);
        Assert.Equal(5, changed.Size);
    }

    [Fact]
    public void An_entry_differing_in_any_field_or_chunk_is_not_reused()
    {
        var digest = Digest.Compute([1]);
        var baseline = new ManifestEntry("f", EntryKind.File, 0x1A4, 10, 5, digest, [new ChunkRef(digest, 5)], null);
        ManifestEntry[] others =
        [
            baseline with { Mode = 0x180 },
            baseline with { MtimeNs = 11 },
            baseline with { Size = 6 },
            baseline with { Digest = Digest.Compute([2]) },
            baseline with { Chunks = [new ChunkRef(Digest.Compute([2]), 5)] },
            baseline with { Chunks = [new ChunkRef(digest, 4)] },
            baseline with { Chunks = [new ChunkRef(digest, 2), new ChunkRef(digest, 3)] },
            baseline with { Kind = EntryKind.Symlink, LinkTarget = "x" },
        ];

        foreach (var other in others)
        {
            Assert.Same(other, EntrySharer.Reuse(baseline, other));
        }

        var twin = baseline with { Chunks = [new ChunkRef(digest, 5)] };
        Assert.Same(baseline, EntrySharer.Reuse(baseline, twin));
        Assert.Same(twin, EntrySharer.Reuse(null, twin));
    }

    [Fact]
    public void Paths_out_of_order_only_share_less_and_are_never_swapped()
    {
        var sharer = new EntrySharer(Manifest(1, [Dir("a"), Dir("b"), File("c", 0)]).Entries);

        Assert.Equal("c", sharer.Share(new string('c', 1)));
        Assert.Equal("a", sharer.Share(new string('a', 1)));   // behind the cursor: its own string, still equal
        Assert.Equal("zz", sharer.Share("zz"));
        Assert.Equal("b", sharer.Share(new string('b', 1)));
        Assert.Null(new EntrySharer(Manifest(1, [Dir("a")]).Entries).Find("b"));
    }

    private static ManifestEntry Dir(string path) => ManifestEntry.Directory(path, 0x1ED, 0);

    private static ManifestEntry File(string path, byte content)
    {
        if (content == 0)
        {
            return new ManifestEntry(path, EntryKind.File, 0x1A4, 0, 0, Digest.Compute([]), [], null);
        }

        // A file's digest is the SHA-256 of its chunks' digests (ManifestEntry).
        var chunk = Digest.Compute(new byte[content]);
        Span<byte> bytes = stackalloc byte[Digest.Size];
        chunk.WriteTo(bytes);
        return new ManifestEntry(path, EntryKind.File, 0x1A4, 0, content, Digest.Compute(bytes), [new ChunkRef(chunk, content)], null);
    }

    private static Manifest Manifest(long generation, ManifestEntry[] entries) => new(generation, DateTimeOffset.UnixEpoch, entries);
}

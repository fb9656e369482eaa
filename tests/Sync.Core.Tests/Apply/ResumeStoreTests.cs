using Sync.Core.Apply;
using Sync.Core.FileSystem;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Testing.Samples;
using Sync.Protocol;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.Apply;

/// <summary>What a cut receive leaves is kept only where it matches its manifest, and found again by the next receive.</summary>
public sealed class ResumeStoreTests : IDisposable
{
    private readonly TempDirectory _dir = new("sync-resume-");

    public void Dispose() => _dir.Dispose();

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task Salvage_keeps_complete_contents_and_verified_prefixes_and_drops_the_rest()
    {
        byte[] a1 = Bytes(1000, 1), a2 = Bytes(2000, 2), b1 = Bytes(1500, 3), b2 = Bytes(700, 4), b3 = Bytes(900, 5), c1 = Bytes(800, 6);
        var complete = ProtocolTestData.FileEntry("complete", a1, a2);
        var cut = ProtocolTestData.FileEntry("cut", b1, b2, b3);
        var damaged = ProtocolTestData.FileEntry("damaged", c1);
        var manifest = new Manifest(5, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), [complete, cut, damaged]);
        var objects = Directory.CreateDirectory(_dir.Combine("objects")).FullName;
        File.WriteAllBytes(Path.Combine(objects, ResumeStore.ManifestFileName), ProtobufWireCodec.Instance.SerializeManifest(manifest));
        File.WriteAllBytes(Path.Combine(objects, complete.Digest.ToHex()), [.. a1, .. a2]);
        // Cut in its third chunk, the rest preallocated as zeros.
        File.WriteAllBytes(Path.Combine(objects, cut.Digest.ToHex()), [.. b1, .. b2, .. b3.AsSpan(0, 100).ToArray(), .. new byte[800]]);
        var flipped = c1.ToArray();
        flipped[10] ^= 1;
        File.WriteAllBytes(Path.Combine(objects, damaged.Digest.ToHex()), flipped);
        File.WriteAllBytes(Path.Combine(objects, Digest.Compute([9]).ToHex()), [9]); // not in the manifest

        using var store = new ResumeStore(_dir.Combine("resume"));
        using (var objectsTree = LinuxFileSystem.Instance.TryOpenTree(objects)!)
        {
            await store.SalvageAsync(objectsTree, ProtobufWireCodec.Instance, CancellationToken.None);
        }

        Assert.Equal([complete.Digest], store.Contents);
        Assert.Equal(new HashSet<Digest> { Digest.Compute(b1), Digest.Compute(b2) }, store.Chunks.ToHashSet());
        Assert.Equal(3000 + 1500 + 700, store.Bytes);

        // A later run finds the same holdings on disk.
        using var reopened = new ResumeStore(_dir.Combine("resume"));
        Assert.Equal(store.Contents, reopened.Contents);
        Assert.Equal(store.Chunks.ToHashSet(), reopened.Chunks.ToHashSet());

        // The next receive adopts the complete content and can read the kept chunks where they are.
        using var nextObjects = LinuxFileSystem.Instance.CreateTree(_dir.Combine("next-objects"));
        var sources = new ContentSources(Manifest.Empty, null, nextObjects);
        await reopened.AdoptAsync(manifest, sources, CancellationToken.None);
        Assert.Contains(complete.Digest, sources.Staged);
        Assert.Equal([.. a1, .. a2], File.ReadAllBytes(_dir.Combine("next-objects", complete.Digest.ToHex())));
        var chunk = sources.FindChunk(Digest.Compute(b2))!.Value;
        using var stream = File.OpenRead(Path.Join(chunk.Tree.Root, chunk.Path));
        stream.Position = chunk.Offset;
        var read = new byte[chunk.Length];
        stream.ReadExactly(read);
        Assert.Equal(b2, read);
        Assert.Null(sources.FindChunk(Digest.Compute(b3)));

        reopened.Clear();
        using var cleared = new ResumeStore(_dir.Combine("resume"));
        Assert.True(cleared.IsEmpty);
    }

    [Fact]
    public async Task A_prefix_keeps_exactly_the_chunks_before_the_first_damaged_one()
    {
        // Enough chunks that they are checked on several threads at once; the damage sits in the middle.
        var chunks = Enumerable.Range(0, 40).Select(i => Bytes(300 + i, 100 + i)).ToArray();
        var entry = ProtocolTestData.FileEntry("many", chunks);
        var manifest = new Manifest(5, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), [entry]);
        var objects = Directory.CreateDirectory(_dir.Combine("objects")).FullName;
        File.WriteAllBytes(Path.Combine(objects, ResumeStore.ManifestFileName), ProtobufWireCodec.Instance.SerializeManifest(manifest));
        var data = chunks.SelectMany(c => c).ToArray();
        var damagedAt = chunks.Take(17).Sum(c => c.Length) + 5;
        data[damagedAt] ^= 0x40;
        File.WriteAllBytes(Path.Combine(objects, entry.Digest.ToHex()), data);

        using var store = new ResumeStore(_dir.Combine("resume"));
        using (var objectsTree = LinuxFileSystem.Instance.TryOpenTree(objects)!)
        {
            await store.SalvageAsync(objectsTree, ProtobufWireCodec.Instance, CancellationToken.None);
        }

        Assert.Empty(store.Contents);
        Assert.Equal(chunks.Take(17).Select(c => Digest.Compute(c)).ToHashSet(), store.Chunks.ToHashSet());
        Assert.Equal(chunks.Take(17).Sum(c => (long)c.Length), store.Bytes);
    }

    [Fact]
    public async Task A_prefix_damaged_after_it_was_kept_is_cut_back_so_the_next_receive_does_not_claim_the_lost_chunks()
    {
        byte[] b1 = Bytes(1500, 3), b2 = Bytes(700, 4), b3 = Bytes(900, 5);
        var cut = ProtocolTestData.FileEntry("cut", b1, b2, b3);
        var manifest = new Manifest(5, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000), [cut]);
        var objects = Directory.CreateDirectory(_dir.Combine("objects")).FullName;
        File.WriteAllBytes(Path.Combine(objects, ResumeStore.ManifestFileName), ProtobufWireCodec.Instance.SerializeManifest(manifest));
        File.WriteAllBytes(Path.Combine(objects, cut.Digest.ToHex()), [.. b1, .. b2]);
        using (var store = new ResumeStore(_dir.Combine("resume")))
        using (var objectsTree = LinuxFileSystem.Instance.TryOpenTree(objects)!)
        {
            await store.SalvageAsync(objectsTree, ProtobufWireCodec.Instance, CancellationToken.None);
            Assert.Equal(2, store.Chunks.Count);
        }

        // A power cut loses the second chunk's page after the prefix and its list were kept.
        var partial = _dir.Combine("resume", cut.Digest.ToHex() + ".partial");
        using (var stream = File.OpenWrite(partial))
        {
            stream.Position = 1500 + 10;
            stream.Write(new byte[100]);
        }

        using (var reopened = new ResumeStore(_dir.Combine("resume")))
        {
            Assert.Equal(2, reopened.Chunks.Count); // what it claims before the check
            using var nextObjects = LinuxFileSystem.Instance.CreateTree(_dir.Combine("next-objects"));
            var sources = new ContentSources(Manifest.Empty, null, nextObjects);
            await reopened.AdoptAsync(manifest, sources, CancellationToken.None);
            Assert.NotNull(sources.FindChunk(Digest.Compute(b1)));
            Assert.Null(sources.FindChunk(Digest.Compute(b2)));
            Assert.Equal([Digest.Compute(b1)], reopened.Chunks);
            Assert.Equal(1500, reopened.Bytes);
        }

        using var after = new ResumeStore(_dir.Combine("resume"));
        Assert.Equal([Digest.Compute(b1)], after.Chunks);
        Assert.Equal(1500, new FileInfo(partial).Length);
    }

    [Fact]
    public async Task Salvage_without_a_readable_manifest_keeps_nothing()
    {
        var objects = Directory.CreateDirectory(_dir.Combine("objects")).FullName;
        var entry = ProtocolTestData.FileEntry("f", Bytes(100, 1));
        File.WriteAllBytes(Path.Combine(objects, entry.Digest.ToHex()), Bytes(100, 1));
        File.WriteAllBytes(Path.Combine(objects, ResumeStore.ManifestFileName), [1, 2, 3]);

        using var store = new ResumeStore(_dir.Combine("resume"));
        using (var objectsTree = LinuxFileSystem.Instance.TryOpenTree(objects)!)
        {
            await store.SalvageAsync(objectsTree, ProtobufWireCodec.Instance, CancellationToken.None);
        }

        Assert.True(store.IsEmpty);
    }
}

using System.Security.Cryptography;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Integration.Tests.Infrastructure;
using Sync.Protocol;
using Sync.Transport.FileDrop;

namespace Sync.Integration.Tests;

/// <summary>
/// Bundles signed with the trusted key but carrying hostile manifests (as a stolen key or a compromised outside
/// would make them): the real sync-inside must refuse each before writing anything.
/// </summary>
public sealed class HostileInputTests
{
    private static ManifestEntry FileEntry(string path, long size = 3)
    {
        var chunk = new ChunkRef(Digest.Compute([1, 2, 3]), 3);
        var digest = Digest.FromBytes(SHA256.HashData(chunk.Digest.ToArray()));
        return new ManifestEntry(path, EntryKind.File, 0x1A4, 0, size, digest, [chunk], null);
    }

    // Each target stays inside the tree when read alone; followed through the tree, d/y and d/e leave it.
    private static ManifestEntry[] EscapingChain =>
    [
        ManifestEntry.Directory("d", 0x1ED, 0),
        ManifestEntry.Symlink("d/e", "y/victim", 0),
        ManifestEntry.Symlink("d/x", "..", 0),
        ManifestEntry.Symlink("d/y", "x/../..", 0),
    ];

    public static TheoryData<string, ManifestEntry[]> HostileManifests => new()
    {
        { "'..'", [FileEntry("../escaped")] },
        { "'..'", [ManifestEntry.Directory("pool", 0x1ED, 0), FileEntry("pool/../../escaped")] },
        { "absolute", [FileEntry("/tmp/absolute")] },
        { "not inside a directory", [ManifestEntry.Symlink("link", "dir", 0), FileEntry("link/through")] },
        { "outside", [ManifestEntry.Symlink("escape", "../../../etc", 0)] },
        { "absolute", [ManifestEntry.Symlink("escape", "/etc", 0)] },
        { "'d/e' -> 'y/victim' refused: resolves outside the tree through 'd/y' -> 'x/../..'", EscapingChain },
        { "'a' -> 'b' refused: does not resolve within 40 links", [ManifestEntry.Symlink("a", "b", 0), ManifestEntry.Symlink("b", "a", 0)] },
        { "absurd", [FileEntry("absurd", size: 1L << 50)] },
        { "add up", [FileEntry("short", size: 4)] },
    };

    [Theory]
    [MemberData(nameof(HostileManifests))]
    public async Task Hostile_manifests_are_refused_before_anything_is_written(string reason, ManifestEntry[] entries)
    {
        using var pair = await SyncPair.CreateAsync();
        await WriteBundleAsync(pair, new Manifest(1, DateTimeOffset.UtcNow, entries), manifestSizeOverride: null);
        var import = await pair.Import();
        Assert.Equal(3, import.ExitCode);
        Assert.Contains(reason, import.Stderr);
        Assert.False(File.Exists(pair.Target) || Directory.Exists(pair.Target));
        Assert.False(File.Exists(Path.Combine(pair.Dir(""), "escaped")));
        Assert.False(File.Exists("/tmp/absolute"));
    }

    [Theory]
    [InlineData("snapshot")]
    [InlineData("in-place")]
    public async Task A_signed_generation_whose_links_leave_the_tree_is_refused_and_the_published_one_stays(string publish)
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = publish;
        TreeBuilder.Write(pair.Source, "d/file", [1, 2, 3]);
        File.CreateSymbolicLink(Path.Combine(pair.Source, "d/x"), "..");
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());
        var published = TreeAssert.Describe(pair.Target);
        await Run.Ok(pair.Verify());

        await WriteBundleAsync(pair, new Manifest(2, DateTimeOffset.UtcNow, EscapingChain), manifestSizeOverride: null);
        var import = await pair.Import();
        Assert.True(import.ExitCode == 3, import.ToString());
        var line = Assert.Single(import.Stderr.Trim().Split('\n'));
        Assert.Contains("manifest symlink 'd/e' -> 'y/victim' refused: resolves outside the tree through 'd/y' -> 'x/../..'", line);
        Assert.Equal(published, TreeAssert.Describe(pair.Target));
        await Run.Ok(pair.Verify());
        Assert.Contains("generation 1", (await Run.Ok(pair.Status())).Stdout);
        var status = System.Text.Json.JsonDocument.Parse((await Run.Ok(Run.Inside("status", "--state", pair.InsideState, "--json"))).Stdout);
        Assert.Equal("unsafe_entry", status.RootElement.GetProperty("refused")[0].GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Device_files_and_other_unknown_kinds_are_refused()
    {
        using var pair = await SyncPair.CreateAsync();
        var wire = new Sync.Protocol.V1.Manifest { FormatVersion = 1, Generation = 1 };
        wire.Entries.Add(new Sync.Protocol.V1.Entry { Path = "dev-sda", Kind = (Sync.Protocol.V1.EntryKind)9, Mode = 0x1B6 });
        await WriteBundleAsync(pair, Google.Protobuf.MessageExtensions.ToByteArray(wire), 1, manifestSizeOverride: null);
        var import = await pair.Import();
        Assert.Equal(3, import.ExitCode);
        Assert.Contains("kind", import.Stderr);
        Assert.False(File.Exists(pair.Target) || Directory.Exists(pair.Target));
    }

    [Fact]
    public async Task An_absurd_manifest_size_is_refused_before_it_is_allocated()
    {
        using var pair = await SyncPair.CreateAsync();
        await WriteBundleAsync(pair, new Manifest(1, DateTimeOffset.UtcNow, [FileEntry("a")]), manifestSizeOverride: 1L << 40);
        var import = await pair.Import();
        Assert.Equal(3, import.ExitCode);
        Assert.Contains("limit", import.Stderr);
    }

    private static Task WriteBundleAsync(SyncPair pair, Manifest manifest, long? manifestSizeOverride) =>
        WriteBundleAsync(pair, new ProtobufWireCodec().SerializeManifest(manifest), manifest.Generation, manifestSizeOverride);

    private static async Task WriteBundleAsync(SyncPair pair, byte[] bytes, long generation, long? manifestSizeOverride)
    {
        var codec = new ProtobufWireCodec();
        var header = new DeltaHeader(DeltaHeader.SlicedManifestFormat, RandomNumberGenerator.GetBytes(16), generation, Digest.Compute(bytes),
            manifestSizeOverride ?? bytes.Length, 0, Digest.Empty, DateTimeOffset.UtcNow, 0, 0);
        using var key = SigningKey.Load(pair.Key);
        await using var writer = BundleWriter.Create(pair.Drop, key, 1 << 20);
        await writer.WriteAsync(new HeaderFrame(key.Sign(codec.SerializeHeader(header))), CancellationToken.None);
        await writer.WriteAsync(new ManifestSliceFrame(bytes), CancellationToken.None);
        await writer.WriteAsync(new EndFrame(0, 3), CancellationToken.None);
        await writer.CompleteAsync(CancellationToken.None);
    }
}

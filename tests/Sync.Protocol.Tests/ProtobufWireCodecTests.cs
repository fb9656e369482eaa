using Google.Protobuf;
using Sync.Core;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Streams;
using Sync.Protocol;
using static Sync.Testing.Samples.ProtocolTestData;
using V1 = Sync.Protocol.V1;

namespace Sync.Protocol.Tests;

public sealed class ProtobufWireCodecTests
{
    private static readonly ProtobufWireCodec Codec = ProtobufWireCodec.Instance;

    [Fact]
    public void Manifest_round_trips_files_directories_symlinks_and_unicode_paths()
    {
        var manifest = SampleManifest();
        var bytes = Codec.SerializeManifest(manifest);
        var parsed = Codec.ParseManifest(bytes, ManifestLimits.Default);

        Assert.Equal(manifest.Generation, parsed.Generation);
        Assert.Equal(manifest.Created, parsed.Created);
        Assert.Equal(manifest.Entries.Count, parsed.Entries.Count);
        for (var i = 0; i < manifest.Entries.Count; i++)
        {
            var (e, p) = (manifest.Entries[i], parsed.Entries[i]);
            Assert.Equal(e with { Chunks = [] }, p with { Chunks = [] });
            Assert.Equal(e.Chunks, p.Chunks);
        }

        Assert.Equal(bytes, Codec.SerializeManifest(parsed));
    }

    [Fact]
    public void Manifest_bytes_are_exactly_those_of_the_generated_message()
    {
        var manifest = SampleManifest();
        var wire = new V1.Manifest { FormatVersion = 1, Generation = 42, CreatedUnixMs = manifest.Created.ToUnixTimeMilliseconds() };
        foreach (var e in manifest.Entries)
        {
            var entry = new V1.Entry
            {
                Path = e.Path,
                Kind = (V1.EntryKind)(int)e.Kind,
                Mode = (uint)e.Mode,
                MtimeNs = e.MtimeNs,
                Size = (ulong)e.Size,
                Digest = e.Digest.IsEmpty ? ByteString.Empty : ByteString.CopyFrom(e.Digest.ToArray()),
                LinkTarget = e.LinkTarget ?? string.Empty,
            };
            entry.Chunks.AddRange(e.Chunks.Select(c => new V1.ChunkRef { Digest = ByteString.CopyFrom(c.Digest.ToArray()), Length = (uint)c.Length }));
            wire.Entries.Add(entry);
        }

        Assert.Equal(wire.ToByteArray(), Codec.SerializeManifest(manifest));
    }

    // The export streams the manifest into its state directory (WriteManifest) and signs the digest of those bytes;
    // whatever reads it back parses them. Both writers must give the same bytes, also past the coded stream's buffer.
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3_000)]
    public void Written_manifest_has_the_serialized_bytes_and_parses_from_a_stream(int files)
    {
        var manifest = files == 1
            ? SampleManifest()
            : new Manifest(files, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), [.. Enumerable.Range(0, files)
                .Select(i => FileEntry($"pkg{i:D5}_1.{i}_amd64.deb", Bytes(i, 1 + (i % 97))))
                .OrderBy(e => e.Path, StringComparer.Ordinal)]);
        using var written = new MemoryStream();

        Codec.WriteManifest(manifest, written);

        var serialized = Codec.SerializeManifest(manifest);
        Assert.Equal(serialized, written.ToArray());
        written.Position = 0;
        Assert.Equal(serialized, Codec.SerializeManifest(Codec.ParseManifest(written, ManifestLimits.Default)));
    }

    [Fact]
    public void Empty_manifest_round_trips() =>
        Assert.Empty(Codec.ParseManifest(Codec.SerializeManifest(new Manifest(1, DateTimeOffset.UnixEpoch, [])), ManifestLimits.Default).Entries);

    [Fact]
    public void Refuses_a_manifest_with_a_dot_dot_path() =>
        AssertRefused(Serialize(new Manifest(1, DateTimeOffset.UnixEpoch, [FileEntry("../etc/passwd", [1])])), "'..'");

    [Fact]
    public void Refuses_a_manifest_whose_file_digest_does_not_match_its_chunks()
    {
        var file = FileEntry("a", [1, 2]) with { Digest = Digest.Compute([9]) };
        AssertRefused(Serialize(new Manifest(1, DateTimeOffset.UnixEpoch, [file])), "digest does not match");
    }

    [Fact]
    public void Refuses_digests_of_the_wrong_length()
    {
        var wire = Wire(FileEntry("a", [1]));
        wire.Entries[0].Digest = ByteString.CopyFrom(new byte[31]);
        AssertRefused(wire.ToByteArray(), "31 bytes");

        wire = Wire(FileEntry("a", [1]));
        wire.Entries[0].Chunks[0].Digest = ByteString.CopyFrom(new byte[33]);
        AssertRefused(wire.ToByteArray(), "33 bytes");
    }

    [Fact]
    public void Refuses_unknown_format_kind_and_absurd_values()
    {
        var wire = Wire(FileEntry("a", [1]));
        wire.FormatVersion = 2;
        AssertRefused(wire.ToByteArray(), "format version 2");

        wire = Wire(FileEntry("a", [1]));
        wire.FormatVersion = 0;
        AssertRefused(wire.ToByteArray(), "format version 0");

        wire = Wire(FileEntry("a", [1]));
        wire.Entries[0].Kind = V1.EntryKind.Unspecified;
        AssertRefused(wire.ToByteArray(), "unknown kind 0");

        wire = Wire(FileEntry("a", [1]));
        wire.Entries[0].Kind = (V1.EntryKind)7;
        AssertRefused(wire.ToByteArray(), "unknown kind 7");

        wire = Wire(FileEntry("a", [1]));
        wire.Entries[0].Size = ulong.MaxValue;
        AssertRefused(wire.ToByteArray(), "absurd size");

        wire = Wire(FileEntry("a", [1]));
        wire.Entries[0].Chunks[0].Length = 0;
        AssertRefused(wire.ToByteArray(), "absurd length 0");

        wire = Wire(FileEntry("a", [1]));
        wire.Entries[0].Chunks[0].Length = (8 << 20) + 1;
        AssertRefused(wire.ToByteArray(), "absurd length");

        wire = Wire(FileEntry("a", [1]));
        wire.Entries[0].Mode = 0x10000;
        AssertRefused(wire.ToByteArray(), "mode");

        wire = Wire(ManifestEntry.Directory("d", 0x1ED, 0));
        wire.Entries[0].Size = 5;
        AssertRefused(wire.ToByteArray(), "carries file size");

        wire = Wire(FileEntry("a", [1]));
        wire.Generation = ulong.MaxValue;
        AssertRefused(wire.ToByteArray(), "generation");

        wire = Wire(FileEntry("a", [1]));
        wire.CreatedUnixMs = long.MaxValue;
        AssertRefused(wire.ToByteArray(), "creation time");
    }

    [Fact]
    public void Refuses_too_many_entries_and_too_many_bytes()
    {
        var bytes = Serialize(SampleManifest());
        AssertRefused(bytes, "more than the limit of 3 entries", ManifestLimits.Default with { MaxEntries = 3 });
        AssertRefused(bytes, "larger than the limit", ManifestLimits.Default with { MaxManifestBytes = bytes.Length - 1 });
        Assert.NotNull(Codec.ParseManifest(bytes, ManifestLimits.Default with { MaxManifestBytes = bytes.Length }));
    }

    [Fact]
    public void Every_truncation_is_refused_or_a_shorter_valid_manifest()
    {
        var bytes = Serialize(SampleManifest());
        var refused = 0;
        for (var length = 0; length < bytes.Length; length++)
        {
            try
            {
                Assert.True(Codec.ParseManifest(bytes.AsMemory(0, length), ManifestLimits.Default).Entries.Count < SampleManifest().Entries.Count);
            }
            catch (SyncException e)
            {
                Assert.Equal(SyncErrorKind.Refused, e.Kind);
                refused++;
            }
        }

        // Only cuts at entry boundaries parse; the signed digest and size in the header catch those.
        Assert.True(refused > bytes.Length - 10);
        AssertRefused([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], "malformed");
    }

    [Fact]
    public void Parses_from_a_slice_of_a_larger_buffer()
    {
        var bytes = Serialize(SampleManifest());
        var padded = new byte[bytes.Length + 20];
        bytes.CopyTo(padded, 10);
        Assert.Equal(SampleManifest().Entries.Count, Codec.ParseManifest(padded.AsMemory(10, bytes.Length), ManifestLimits.Default).Entries.Count);
    }

    [Theory]
    [InlineData(7, 6)]
    [InlineData(1, 0)]
    public void Header_round_trips(long target, long baseGeneration)
    {
        var header = SampleHeader(target, baseGeneration);
        var parsed = Codec.ParseHeader(Codec.SerializeHeader(header));
        Assert.Equal(header with { StreamId = [] }, parsed with { StreamId = [] });
        Assert.Equal(header.StreamId, parsed.StreamId);
        Assert.Equal(baseGeneration == 0, parsed.IsFull);
    }

    [Fact]
    public void Refuses_malformed_headers()
    {
        var good = Codec.SerializeHeader(SampleHeader());
        AssertHeaderRefused(good.AsSpan(0, good.Length - 3).ToArray(), "malformed");

        AssertHeaderRefused(Mutate(h => h.FormatVersion = 3), "format version 3");
        AssertHeaderRefused(Mutate(h => h.FormatVersion = 0), "format version 0");

        // A full generation has no base manifest to patch: format 2 with base 0 is refused, format 1 is read.
        var full = Codec.SerializeHeader(SampleHeader(1, 0) with { FormatVersion = DeltaHeader.PatchedManifestFormat });
        AssertHeaderRefused(full, "a full generation's manifest is never a patch");
        Assert.True(Codec.ParseHeader(Codec.SerializeHeader(SampleHeader(7, 6) with { FormatVersion = DeltaHeader.SlicedManifestFormat })).FormatVersion == 1);
        AssertHeaderRefused(Mutate(h => h.StreamId = ByteString.CopyFrom(new byte[5])), "stream id");
        AssertHeaderRefused(Mutate(h => h.TargetManifestDigest = ByteString.CopyFrom(new byte[12])), "12 bytes");
        AssertHeaderRefused(Mutate(h => h.TargetManifestDigest = ByteString.Empty), "0 bytes");
        AssertHeaderRefused(Mutate(h => h.BaseManifestDigest = ByteString.Empty), "no base manifest digest");
        AssertHeaderRefused(Mutate(h => { h.BaseGeneration = 0; h.FormatVersion = DeltaHeader.SlicedManifestFormat; }), "with a base manifest digest");
        AssertHeaderRefused(Mutate(h => h.BaseGeneration = 7), "not below");
        AssertHeaderRefused(Mutate(h => h.TargetGeneration = ulong.MaxValue), "out of range");
        AssertHeaderRefused(Mutate(h => h.PayloadBytes = ulong.MaxValue), "out of range");
        AssertHeaderRefused(Mutate(h => h.TargetManifestSize = 0), "empty target manifest");
    }

    private static byte[] Mutate(Action<V1.DeltaHeader> change)
    {
        var wire = V1.DeltaHeader.Parser.ParseFrom(Codec.SerializeHeader(SampleHeader()));
        change(wire);
        return wire.ToByteArray();
    }

    private static V1.Manifest Wire(params ManifestEntry[] entries) =>
        V1.Manifest.Parser.ParseFrom(Serialize(new Manifest(1, DateTimeOffset.UnixEpoch, entries)));

    private static byte[] Serialize(Manifest manifest) => Codec.SerializeManifest(manifest);

    private static void AssertRefused(byte[] bytes, string reason, ManifestLimits? limits = null)
    {
        var e = Assert.Throws<SyncException>(() => Codec.ParseManifest(bytes, limits ?? ManifestLimits.Default));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Contains(reason, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    private static void AssertHeaderRefused(byte[] bytes, string reason)
    {
        var e = Assert.Throws<SyncException>(() => Codec.ParseHeader(bytes));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Contains(reason, e.Message);
    }
}

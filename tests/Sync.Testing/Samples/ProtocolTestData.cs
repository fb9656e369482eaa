using System.Security.Cryptography;
using Sync.Core.Compression;
using Sync.Core.Delta;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Paths;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Xunit;

namespace Sync.Testing.Samples;

/// <summary>Sample manifests, headers and frames, and a content comparison for frames (their memory compares by reference).</summary>
public static class ProtocolTestData
{
    public static ManifestEntry FileEntry(string path, params byte[][] chunks)
    {
        var refs = chunks.Select(c => new ChunkRef(Digest.Compute(c), c.Length)).ToArray();
        var digest = Digest.FromBytes(SHA256.HashData(refs.SelectMany(r => r.Digest.ToArray()).ToArray()));
        return new ManifestEntry(path, EntryKind.File, 0x1A4, 1_700_000_000_123_456_789, chunks.Sum(c => (long)c.Length), digest, refs, null);
    }

    public static Manifest SampleManifest()
    {
        var entries = new List<ManifestEntry>
        {
            ManifestEntry.Directory("dists", 0x1ED, 1_600_000_000_000_000_000),
            FileEntry("dists/Release", [1, 2, 3], [4, 5]),
            ManifestEntry.Symlink("dists/stable", "Release", 1_650_000_000_000_000_001),
            ManifestEntry.Directory("pool", 0x1C0, -5),
            FileEntry("pool/empty"),
            ManifestEntry.Directory("pool/ünïcødé 日本", 0x1ED, 0),
            FileEntry("pool/ünïcødé 日本/😀.deb", Bytes(1, 70_000), Bytes(2, 1)),
        };
        entries.Sort((a, b) => RelativePath.Compare(a.Path, b.Path));
        return new Manifest(42, DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_123), entries);
    }

    public static DeltaHeader SampleHeader(long target = 7, long baseGeneration = 6) => new(
        baseGeneration == 0 ? DeltaHeader.SlicedManifestFormat : DeltaHeader.PatchedManifestFormat,
        Bytes(3, 16),
        target,
        Digest.Compute([1]),
        12345,
        baseGeneration,
        baseGeneration == 0 ? Digest.Empty : Digest.Compute([2]),
        DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_456),
        3,
        999_999);

    /// <summary>One frame of every kind, with both shapes of the ones that have two.</summary>
    public static List<DeltaFrame> EveryFrameKind() =>
    [
        new HeaderFrame(new SignedPayload(Bytes(4, 90), Bytes(5, 8), Bytes(6, 64))),
        new ManifestSliceFrame(Bytes(7, 1000)),
        new ContentBeginFrame(Digest.Compute([8]), Digest.Empty),
        new ChunkFrame(Digest.Compute([9]), Bytes(9, 300_000)),
        new ChunkFrame(Digest.Compute([10]), Bytes(10, 1)),
        new ContentBeginFrame(Digest.Compute([11]), Digest.Compute([12])),
        new PatchFrame([DeltaOp.Copy(0, 4096), DeltaOp.Literal(Bytes(13, 17)), DeltaOp.Copy(long.MaxValue - 10, int.MaxValue)], Last: false),
        new PatchFrame([DeltaOp.Literal(Bytes(14, 5000))], Last: true),
        new PatchFrame([], Last: false),
        new RecompressFrame(Digest.Compute([15]), Digest.Compute([16]), CompressionSetting.Gzip(9, mtime: uint.MaxValue, os: 255, name: "Packages"u8.ToArray())),
        new RecompressFrame(Digest.Compute([17]), Digest.Compute([18]), CompressionSetting.Xz(9, extreme: true, check: XzCheck.Sha256) with { EmptyStreamAfter = true }),
        new RecompressFrame(Digest.Compute([19]), Digest.Compute([20]), CompressionSetting.Gzip(0) with { Format = CompressionFormat.Zlib, WindowBits = 9, MemLevel = 1, Strategy = 4 }),
        new EndFrame(2, 10),
        new EndFrame(0, 0),
    ];

    public static byte[] Bytes(int seed, int length)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Copies a frame's memory, so it survives the reader's next read.</summary>
    public static DeltaFrame Detach(DeltaFrame frame) => frame switch
    {
        ManifestSliceFrame s => new ManifestSliceFrame(s.Data.ToArray()),
        ChunkFrame c => new ChunkFrame(c.Digest, c.Data.ToArray()),
        PatchFrame p => new PatchFrame(p.Ops.Select(o => o.IsCopy ? o : DeltaOp.Literal(o.Data.ToArray())).ToArray(), p.Last),
        _ => frame,
    };

    public static void AssertSameFrame(DeltaFrame expected, DeltaFrame? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.GetType(), actual.GetType());
        switch (expected)
        {
            case HeaderFrame h:
                var a = ((HeaderFrame)actual).Header;
                Assert.Equal(h.Header.Payload, a.Payload);
                Assert.Equal(h.Header.KeyId, a.KeyId);
                Assert.Equal(h.Header.Signature, a.Signature);
                break;
            case ManifestSliceFrame s:
                Assert.True(s.Data.Span.SequenceEqual(((ManifestSliceFrame)actual).Data.Span));
                break;
            case ChunkFrame c:
                Assert.Equal(c.Digest, ((ChunkFrame)actual).Digest);
                Assert.True(c.Data.Span.SequenceEqual(((ChunkFrame)actual).Data.Span));
                break;
            case PatchFrame p:
                var q = (PatchFrame)actual;
                Assert.Equal(p.Last, q.Last);
                Assert.Equal(p.Ops.Count, q.Ops.Count);
                for (var i = 0; i < p.Ops.Count; i++)
                {
                    Assert.Equal(p.Ops[i].IsCopy, q.Ops[i].IsCopy);
                    if (p.Ops[i].IsCopy)
                    {
                        Assert.Equal(p.Ops[i].BaseOffset, q.Ops[i].BaseOffset);
                        Assert.Equal(p.Ops[i].Length, q.Ops[i].Length);
                    }
                    else
                    {
                        Assert.True(p.Ops[i].Data.Span.SequenceEqual(q.Ops[i].Data.Span));
                    }
                }

                break;
            default:
                // ContentBeginFrame, RecompressFrame and EndFrame hold values only, so record equality is content equality.
                Assert.Equal(expected, actual);
                break;
        }
    }
}

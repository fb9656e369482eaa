using System.Security.Cryptography;
using Google.Protobuf;
using Sync.Core;
using Sync.Core.Delta;
using Sync.Core.Hashing;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Protocol;
using Sync.Testing.FileSystem;
using Sync.Transport.FileDrop;
using Sync.Transport.FileDrop.Internal;
using static Sync.Testing.Samples.ProtocolTestData;
using V1 = Sync.Protocol.V1;

namespace Sync.Transport.FileDrop.Tests;

public sealed class BundleTests : IDisposable
{
    private const long Volume = 64 << 10;

    private readonly TempDirectory _temp = new();
    private readonly string _drop;
    private readonly string _keyPath;
    private readonly SigningKey _key;
    private readonly TrustStore _trust;

    public BundleTests()
    {
        _drop = _temp.CreateSubdirectory("drop");
        _keyPath = _temp.Combine("outside.key");
        SigningKey.Generate(_keyPath);
        _key = SigningKey.Load(_keyPath);
        _trust = TrustStore.Load([_keyPath + ".pub"]);
    }

    public void Dispose()
    {
        _trust.Dispose();
        _key.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task A_multi_part_bundle_reads_back_frame_for_frame()
    {
        var frames = StreamFrames(seed: 1);
        var info = await WriteBundleAsync(frames);

        Assert.True(info.PartCount >= 6, $"only {info.PartCount} parts");
        Assert.Equal(info.PartCount, info.PartNames.Count);
        Assert.All(info.PartNames, name => Assert.True(new FileInfo(Path.Combine(_drop, name)).Length <= Volume));
        Assert.Equal(info.TotalBytes, info.PartNames.Sum(name => new FileInfo(Path.Combine(_drop, name)).Length));
        Assert.Equal(await EncodeFramesAsync(frames), info.PartNames.SelectMany(name => File.ReadAllBytes(Path.Combine(_drop, name))).ToArray());
        Assert.Empty(Directory.GetFiles(_drop, "*.tmp"));
        Assert.Matches(@"^sync-g00000007-b00000006-[0-9a-f]{12}$", info.Name);
        Assert.Equal(info.Name + ".index", info.IndexName);
        Assert.Equal(info.Name + ".p0001", info.PartNames[0]);

        var listing = Assert.Single(BundleCatalog.Scan(_drop, _trust));
        Assert.True(listing.IsValid, listing.Error);
        Assert.Equal(info.Name, listing.Name);
        Assert.Equal(7, listing.ClaimedHeader.TargetGeneration);
        Assert.Equal(info.TotalBytes, listing.TotalBytes);
        _trust.Verify(listing.Header, "delta header");

        await using var reader = BundleReader.Open(listing, _drop);
        reader.CheckPartsPresent();
        foreach (var expected in frames)
        {
            AssertSameFrame(expected, await reader.ReadAsync(CancellationToken.None));
        }

        Assert.Null(await reader.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_index_is_written_last()
    {
        var checks = 0;
        var sink = new InspectingSink(() =>
        {
            Assert.Empty(Directory.GetFiles(_drop, "*.index"));
            checks++;
        });
        await WriteBundleAsync(StreamFrames(seed: 2), sink);

        Assert.Equal(StreamFrames(seed: 2).Count, checks);
        Assert.Single(Directory.GetFiles(_drop, "*.index"));
    }

    [Fact]
    public async Task A_truncated_part_is_refused_before_reading()
    {
        var info = await WriteBundleAsync(StreamFrames(seed: 3));
        var part = Path.Combine(_drop, info.PartNames[2]);
        using (var stream = new FileStream(part, FileMode.Open))
        {
            stream.SetLength(stream.Length - 1);
        }

        await using var reader = BundleReader.Open(Assert.Single(BundleCatalog.Scan(_drop, _trust)), _drop);
        var e = Assert.Throws<SyncException>(reader.CheckPartsPresent);
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Equal($"bundle {info.Name} part p0003 has {Volume - 1} bytes, index says {Volume} (truncated or from another bundle)", e.Message);
    }

    [Fact]
    public async Task A_missing_part_is_reported_as_missing_not_refused()
    {
        var info = await WriteBundleAsync(StreamFrames(seed: 4));
        File.Delete(Path.Combine(_drop, info.PartNames[^1]));

        await using var reader = BundleReader.Open(Assert.Single(BundleCatalog.Scan(_drop, _trust)), _drop);
        var e = Assert.Throws<SyncException>(reader.CheckPartsPresent);
        Assert.Equal(SyncErrorKind.MissingBase, e.Kind);
        Assert.StartsWith($"bundle {info.Name} is missing part p{info.PartCount:D4} (", e.Message);

        // A reader that skipped the check stops at the same place.
        var read = await Assert.ThrowsAsync<SyncException>(() => ReadAllAsync(reader));
        Assert.Equal(SyncErrorKind.MissingBase, read.Kind);
    }

    [Fact]
    public async Task A_flipped_byte_is_refused_while_reading()
    {
        // One chunk spanning several parts: every byte of part 2 is chunk data, so only the checksum can notice.
        var frames = new List<DeltaFrame>
        {
            Header(),
            new ContentBeginFrame(Digest.Compute([1]), Digest.Empty),
            new ChunkFrame(Digest.Compute([2]), Bytes(5, 300_000)),
            new EndFrame(1, 4),
        };
        var info = await WriteBundleAsync(frames);
        var part = Path.Combine(_drop, info.PartNames[1]);
        var bytes = File.ReadAllBytes(part);
        bytes[1000] ^= 0x01;
        File.WriteAllBytes(part, bytes);

        await using var reader = BundleReader.Open(Assert.Single(BundleCatalog.Scan(_drop, _trust)), _drop);
        reader.CheckPartsPresent();
        var e = await Assert.ThrowsAsync<SyncException>(() => ReadAllAsync(reader));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Equal($"bundle {info.Name} part p0002 is damaged (checksum mismatch)", e.Message);
    }

    [Fact]
    public async Task A_part_swapped_in_from_another_bundle_of_the_same_size_is_refused()
    {
        var first = await WriteBundleAsync(StreamFrames(seed: 6));
        var other = _temp.CreateSubdirectory("other");
        var second = await WriteBundleAsync(StreamFrames(seed: 7), directory: other);
        Assert.Equal(new FileInfo(Path.Combine(_drop, first.PartNames[1])).Length, new FileInfo(Path.Combine(other, second.PartNames[1])).Length);
        File.Copy(Path.Combine(other, second.PartNames[1]), Path.Combine(_drop, first.PartNames[1]), overwrite: true);

        await using var reader = BundleReader.Open(Assert.Single(BundleCatalog.Scan(_drop, _trust)), _drop);
        reader.CheckPartsPresent();
        var e = await Assert.ThrowsAsync<SyncException>(() => ReadAllAsync(reader));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Contains($"bundle {first.Name}", e.Message);
    }

    [Fact]
    public async Task An_index_signed_by_another_key_is_not_trusted()
    {
        await WriteBundleAsync(StreamFrames(seed: 8));
        var otherKey = _temp.Combine("other.key");
        SigningKey.Generate(otherKey);
        using var trust = TrustStore.Load([otherKey + ".pub"]);
        var untrusted = Assert.Single(BundleCatalog.Scan(_drop, trust));
        Assert.False(untrusted.IsValid);
        Assert.Contains("not trusted", untrusted.Error);
        Assert.Empty(untrusted.Parts);
        var e = Assert.Throws<SyncException>(() => BundleReader.Open(untrusted, _drop));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);

        var listing = Assert.Single(BundleCatalog.Scan(_drop, _trust));

        using var right = TrustStore.Load([_keyPath + ".pub"]);
        var altered = listing.Envelope! with { Payload = [.. listing.Envelope.Payload[..^1], (byte)(listing.Envelope.Payload[^1] ^ 1)] };
        Assert.Contains("bad signature", Assert.Throws<SyncException>(() => right.Verify(altered, "bundle index")).Message);
    }

    [Fact]
    public async Task The_catalog_lists_damaged_indexes_with_their_error_and_ignores_other_files()
    {
        var good = await WriteBundleAsync(StreamFrames(seed: 9));
        File.WriteAllBytes(Path.Combine(_drop, "sync-g00000009-b00000008-000000000000.index"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(_drop, "sync-g00000010-b00000009-000000000000.index"), [.. "SYNCIDX1"u8, 0xFF, 0xFF]);
        File.WriteAllBytes(Path.Combine(_drop, "sync-g00000011-b00000010-000000000000.index"), "SYNCIDX2 key-id=00 payload-bytes=1\nx\n"u8.ToArray());
        File.Copy(Path.Combine(_drop, good.IndexName), Path.Combine(_drop, "renamed.index"));
        File.WriteAllBytes(Path.Combine(_drop, "half-written.index.tmp"), [1]);
        File.WriteAllBytes(Path.Combine(_drop, "notes.txt"), [1]);

        var listings = BundleCatalog.Scan(_drop, _trust);
        Assert.Equal(5, listings.Count);
        Assert.Contains("first line", listings.Single(l => l.Name == "sync-g00000011-b00000010-000000000000").Error);
        Assert.Contains("magic", listings.Single(l => l.Name == "sync-g00000009-b00000008-000000000000").Error);
        Assert.Contains("damaged", listings.Single(l => l.Name == "sync-g00000010-b00000009-000000000000").Error);
        Assert.Contains("does not match its header", listings.Single(l => l.Name == "renamed").Error);
        Assert.True(listings.Single(l => l.Name == good.Name).IsValid);
        Assert.All(listings, l => Assert.DoesNotContain('\n', l.Error ?? string.Empty));

        var e = Assert.Throws<SyncException>(() => BundleReader.Open(listings.Single(l => l.Name == "renamed"), _drop));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
    }

    [Fact]
    public async Task An_incomplete_bundle_leaves_nothing_behind()
    {
        await using (var writer = BundleWriter.Create(_drop, _key, Volume))
        {
            foreach (var frame in StreamFrames(seed: 10).SkipLast(1))
            {
                await writer.WriteAsync(frame, CancellationToken.None);
            }

            await Assert.ThrowsAsync<InvalidOperationException>(() => writer.CompleteAsync(CancellationToken.None));
            Assert.NotEmpty(Directory.GetFiles(_drop));
        }

        Assert.Empty(Directory.GetFiles(_drop));
    }

    [Fact]
    public async Task A_cancelled_bundle_leaves_nothing_behind()
    {
        using var cancel = new CancellationTokenSource();
        var frames = StreamFrames(seed: 11);
        await using (var writer = BundleWriter.Create(_drop, _key, Volume))
        {
            await writer.WriteAsync(frames[0], cancel.Token);
            await writer.WriteAsync(frames[1], cancel.Token);
            await writer.WriteAsync(frames[2], cancel.Token);
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => writer.WriteAsync(frames[3], cancel.Token).AsTask());
            await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WriteAsync(frames[3], CancellationToken.None).AsTask());
        }

        Assert.Empty(Directory.GetFiles(_drop));
    }

    [Fact]
    public async Task Refuses_to_overwrite_an_existing_bundle()
    {
        var frames = StreamFrames(seed: 12);
        var info = await WriteBundleAsync(frames);
        var before = File.ReadAllBytes(Path.Combine(_drop, info.IndexName));

        await using (var writer = BundleWriter.Create(_drop, _key, Volume))
        {
            var e = await Assert.ThrowsAsync<SyncException>(() => writer.WriteAsync(frames[0], CancellationToken.None).AsTask());
            Assert.Contains("already exists", e.Message);
        }

        Assert.Equal(before, File.ReadAllBytes(Path.Combine(_drop, info.IndexName)));
        Assert.All(info.PartNames, name => Assert.True(File.Exists(Path.Combine(_drop, name))));
    }

    [Fact]
    public async Task Refuses_a_small_volume_and_a_stream_without_header()
    {
        var e = Assert.Throws<ArgumentException>(() => BundleWriter.Create(_drop, _key, (64 << 10) - 1));
        Assert.Contains("minimum", e.Message);

        await using var writer = BundleWriter.Create(_drop, _key, Volume);
        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WriteAsync(new EndFrame(0, 1), CancellationToken.None).AsTask());
    }

    [Fact]
    public async Task A_bundle_of_exactly_one_volume_has_one_part()
    {
        // Header and end frames around one chunk sized so the stream is exactly one volume long.
        List<DeltaFrame> frames = [];
        for (int chunk = 1000, size = 0; size != Volume; chunk += (int)Volume - size)
        {
            frames = [Header(), new ChunkFrame(Digest.Compute([1]), Bytes(1, chunk)), new EndFrame(0, 3)];
            size = (await EncodeFramesAsync(frames)).Length;
        }

        var info = await WriteBundleAsync(frames);

        Assert.Equal(Volume, info.TotalBytes);
        Assert.Equal(1, info.PartCount);
        await using var reader = BundleReader.Open(Assert.Single(BundleCatalog.Scan(_drop, _trust)), _drop);
        Assert.Equal(3, (await ReadAllAsync(reader)).Count);
    }

    [Fact]
    public async Task Bytes_after_the_end_frame_are_refused()
    {
        var header = (HeaderFrame)Header();
        var name = WriteRawBundle(header, await EncodeFramesAsync([header, new EndFrame(0, 2), new ManifestSliceFrame(Bytes(1, 10))]));

        await using var reader = BundleReader.Open(Assert.Single(BundleCatalog.Scan(_drop, _trust)), _drop);
        reader.CheckPartsPresent();
        Assert.IsType<HeaderFrame>(await reader.ReadAsync(CancellationToken.None));
        var e = await Assert.ThrowsAsync<SyncException>(() => reader.ReadAsync(CancellationToken.None).AsTask());
        Assert.Equal($"bundle {name} has bytes after its end frame", e.Message);
    }

    [Fact]
    public async Task A_stream_without_end_frame_or_with_another_header_is_refused()
    {
        var header = (HeaderFrame)Header();
        var name = WriteRawBundle(header, await EncodeFramesAsync([header, new ManifestSliceFrame(Bytes(1, 10))]));
        await using (var reader = BundleReader.Open(Assert.Single(BundleCatalog.Scan(_drop, _trust)), _drop))
        {
            var e = await Assert.ThrowsAsync<SyncException>(() => ReadAllAsync(reader));
            Assert.Equal($"bundle {name} ends without its end frame (truncated)", e.Message);
        }

        File.Delete(Path.Combine(_drop, name + ".index"));
        name = WriteRawBundle(header, await EncodeFramesAsync([Header(seed: 1), new EndFrame(0, 2)]));
        await using (var reader = BundleReader.Open(Assert.Single(BundleCatalog.Scan(_drop, _trust)), _drop))
        {
            var e = await Assert.ThrowsAsync<SyncException>(() => ReadAllAsync(reader));
            Assert.Contains("does not start with the header its index names", e.Message);
        }
    }

    /// <summary>A one-part bundle with any bytes, indexed and signed the way the writer does it.</summary>
    private string WriteRawBundle(HeaderFrame header, byte[] stream)
    {
        var name = BundleNames.For(ProtobufWireCodec.Instance.ParseHeader(header.Header.Payload));
        File.WriteAllBytes(Path.Combine(_drop, name + ".p0001"), stream);
        var signedHeader = new V1.Signed
        {
            Payload = ByteString.CopyFrom(header.Header.Payload),
            KeyId = ByteString.CopyFrom(header.Header.KeyId),
            Signature = ByteString.CopyFrom(header.Header.Signature),
        };
        var index = new V1.BundleIndex
        {
            FormatVersion = IndexFile.FormatVersion,
            BundleId = ByteString.CopyFrom(ProtobufWireCodec.Instance.ParseHeader(header.Header.Payload).StreamId),
            Header = signedHeader,
            TotalBytes = (ulong)stream.Length,
            Parts = { new V1.BundlePart { Name = name + ".p0001", Size = (ulong)stream.Length, Checksum = ByteString.CopyFrom(System.IO.Hashing.XxHash128.Hash(stream)) } },
        };
        File.WriteAllBytes(Path.Combine(_drop, name + ".index"), IndexFile.Encode(index.ToByteArray(), _key));
        return name;
    }

    private DeltaFrame Header(int seed = 0)
    {
        var header = SampleHeader() with { StreamId = Bytes(100 + seed, 16) };
        return new HeaderFrame(_key.Sign(ProtobufWireCodec.Instance.SerializeHeader(header)));
    }

    /// <summary>A stream of several hundred KiB: header, manifest, chunk contents of varied sizes, a patch, end.</summary>
    private List<DeltaFrame> StreamFrames(int seed)
    {
        var random = new Random(seed);
        var frames = new List<DeltaFrame> { Header(seed), new ManifestSliceFrame(Bytes(seed, 3000)) };
        for (var content = 0; content < 12; content++)
        {
            frames.Add(new ContentBeginFrame(Digest.Compute([(byte)content]), Digest.Empty));
            for (var chunk = 0; chunk < 3; chunk++)
            {
                var data = new byte[10_000 + (content * 1000) + chunk];
                random.NextBytes(data);
                frames.Add(new ChunkFrame(Digest.Compute(data), data));
            }
        }

        frames.Add(new ContentBeginFrame(Digest.Compute([200]), Digest.Compute([201])));
        frames.Add(new PatchFrame([DeltaOp.Copy(0, 100), DeltaOp.Literal(Bytes(seed, 2000))], Last: true));
        frames.Add(new EndFrame(13, frames.Count + 1));
        return frames;
    }

    private async Task<BundleInfo> WriteBundleAsync(IEnumerable<DeltaFrame> frames, InspectingSink? inspect = null, string? directory = null)
    {
        await using var writer = BundleWriter.Create(directory ?? _drop, _key, Volume);
        IDeltaSink sink = writer;
        if (inspect is not null)
        {
            inspect.Inner = writer;
            sink = inspect;
        }

        foreach (var frame in frames)
        {
            await sink.WriteAsync(frame, CancellationToken.None);
        }

        return await writer.CompleteAsync(CancellationToken.None);
    }

    private static async Task<List<DeltaFrame>> ReadAllAsync(BundleReader reader)
    {
        var frames = new List<DeltaFrame>();
        while (await reader.ReadAsync(CancellationToken.None) is { } frame)
        {
            frames.Add(Detach(frame));
        }

        return frames;
    }

    /// <summary>The frame stream as the frame codec lays it out: what a bundle's parts hold, end to end.</summary>
    private static async Task<byte[]> EncodeFramesAsync(IEnumerable<DeltaFrame> frames)
    {
        var stream = new MemoryStream();
        await using (var writer = PipeFrameWriter.Create(stream, leaveOpen: true))
        {
            foreach (var frame in frames)
            {
                await writer.WriteAsync(frame, CancellationToken.None);
            }

            await writer.FlushAsync(CancellationToken.None);
        }

        return stream.ToArray();
    }

    /// <summary>Forwards frames and runs a check after each one.</summary>
    private sealed class InspectingSink(Action check) : IDeltaSink
    {
        public IDeltaSink? Inner { get; set; }

        public async ValueTask WriteAsync(DeltaFrame frame, CancellationToken cancellationToken)
        {
            await Inner!.WriteAsync(frame, cancellationToken);
            check();
        }
    }
}

using Google.Protobuf;
using Sync.Core;
using Sync.Core.Hashing;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Protocol;

namespace Sync.Transport.Udp.Tests;

/// <summary>
/// The generation streams the UDP carrier keeps on disk: the outside's spool and the inside's inbox name them one way
/// and carry one descriptor codec. The names and bytes are pinned here as literals: streams spooled or held in an
/// inbox by an older release must still be read after an upgrade.
/// </summary>
public sealed class UdpStreamFilesUnitTests : IDisposable
{
    private const string StreamIdHex = "0123456789abcdef0123456789abcdef";

    private readonly TempDirectory _temp = new();

    [Fact]
    public void The_descriptor_is_the_tag_then_the_header_frame_and_reads_back()
    {
        var signed = new SignedPayload([1, 2, 3], [9, 9], [7, 7, 7]);

        var descriptor = UdpDescriptor.Encode(signed);

        Assert.Equal("SYNCUDP\u0001"u8.ToArray(), descriptor[..8]);
        Assert.Equal(FrameCodec.ToWire(new HeaderFrame(signed)).ToByteArray(), descriptor[8..]);
        Assert.Equal(signed.Payload, UdpDescriptor.Decode(descriptor).Payload);
        Assert.Equal(signed.KeyId, UdpDescriptor.Decode(descriptor).KeyId);
        Assert.Equal(signed.Signature, UdpDescriptor.Decode(descriptor).Signature);
    }

    [Fact]
    public void A_descriptor_of_another_format_version_or_without_a_header_is_refused()
    {
        var descriptor = UdpDescriptor.Encode(new SignedPayload([1], [2], [3]));
        descriptor[7] = 4;

        var foreign = Assert.Throws<SyncException>(() => UdpDescriptor.Decode(descriptor));
        Assert.Contains("not one sync-outside writes", foreign.Message, StringComparison.Ordinal);
        Assert.Throws<SyncException>(() => UdpDescriptor.Decode("SYNCUDP\u0001"u8.ToArray()));
    }

    [Fact]
    public void A_part_descriptor_is_tag_3_then_its_place_then_the_header_frame_and_reads_back()
    {
        var signed = new SignedPayload([1, 2, 3], [9, 9], [7, 7, 7]);

        var descriptor = UdpDescriptor.EncodePart(signed, new StreamPart(3, 0x0102030405, Last: true));

        Assert.Equal("SYNCUDP\u0003"u8.ToArray(), descriptor[..8]);
        Assert.Equal(new byte[] { 3, 0, 0, 0, 5, 4, 3, 2, 1, 0, 0, 0, 1 }, descriptor[8..21]);
        Assert.Equal(FrameCodec.ToWire(new HeaderFrame(signed)).ToByteArray(), descriptor[21..]);
        var read = UdpDescriptor.Read(descriptor, out var part);
        Assert.Equal(signed.Payload, read.Payload);
        Assert.Equal(new StreamPart(3, 0x0102030405, true), part);
        Assert.Equal(signed.Signature, UdpDescriptor.Decode(descriptor).Signature);

        UdpDescriptor.Read(UdpDescriptor.Encode(signed), out var whole);
        Assert.Null(whole);
    }

    [Theory]
    [InlineData(0, 10)] // part 0 starts the stream
    [InlineData(1, 0)] // only part 0 does
    [InlineData(-1, 5)]
    public void A_part_descriptor_with_an_impossible_place_is_refused(int index, long offset)
    {
        var descriptor = UdpDescriptor.EncodePart(new SignedPayload([1], [2], [3]), new StreamPart(0, 0, false));
        BitConverter.TryWriteBytes(descriptor.AsSpan(8), index);
        BitConverter.TryWriteBytes(descriptor.AsSpan(12), offset);

        var refused = Assert.Throws<SyncException>(() => UdpDescriptor.Read(descriptor, out _));
        Assert.Contains("impossible part", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_part_of_a_stream_has_its_own_session_id_and_none_is_the_whole_streams()
    {
        var header = Header(5, 4);
        var ids = Enumerable.Range(0, 1000).Select(i => UdpDescriptor.SessionId(header, new StreamPart(i, i, false))).ToHashSet();

        Assert.Equal(1000, ids.Count);
        Assert.DoesNotContain(UdpDescriptor.SessionId(header), ids);
        Assert.Equal(UdpDescriptor.SessionId(header, new StreamPart(7, 1, false)), UdpDescriptor.SessionId(header, new StreamPart(7, 99, true)));
    }

    [Fact]
    public void A_ticket_sealed_by_the_outside_key_verifies_and_an_altered_one_does_not()
    {
        var keyPath = Path.Combine(_temp.Path, "outside.key");
        SigningKey.Generate(keyPath);
        using var key = SigningKey.Load(keyPath);
        using var trust = TrustStore.Load([keyPath + ".pub"]);
        byte[] ticket = [1, 2, 3, 4, 5];

        var seal = UdpDescriptor.Signer(key)(ticket);

        Assert.Null(UdpDescriptor.VerifyTicket(trust, ticket, seal));
        Assert.NotNull(UdpDescriptor.VerifyTicket(trust, [1, 2, 3, 4, 6], seal));
        Assert.Equal("its ticket's seal is not one sync-outside makes", UdpDescriptor.VerifyTicket(trust, ticket, [0, 1, 2]));
    }

    [Fact]
    public void The_inbox_names_a_received_stream_as_the_spool_does_and_both_read_that_name()
    {
        var header = Header(generation: 7, baseGeneration: 5);
        var received = _temp.File("received.object", 1000, 1);
        var inbox = new UdpInbox(UdpInbox.DirectoryOf(_temp.Path));

        var entry = inbox.Add(header, received, UdpDescriptor.Encode(new SignedPayload([1], [2], [3])));

        Assert.Equal($"g00000007-b00000005-{StreamIdHex}.stream", Path.GetFileName(entry.StreamPath));
        Assert.Equal($"g00000007-b00000005-{StreamIdHex}.desc", Path.GetFileName(entry.DescriptorPath));
        Assert.Equal(1000, entry.Length);
        Assert.False(File.Exists(received));
        Assert.Equal([entry], inbox.List());
        Assert.True(inbox.Holds(StreamIdHex));

        // The same two files in the outside's spool are what its carousel repeats.
        var spool = UdpSpool.Open(_temp.Path);
        File.Copy(entry.StreamPath, Path.Combine(spool.DirectoryPath, Path.GetFileName(entry.StreamPath)));
        File.Copy(entry.DescriptorPath, Path.Combine(spool.DirectoryPath, Path.GetFileName(entry.DescriptorPath)));
        var spooled = Assert.Single(spool.List());
        Assert.Equal((7L, 5L, StreamIdHex, 1000L), (spooled.Generation, spooled.BaseGeneration, spooled.StreamIdHex, spooled.Length));
        Assert.Equal(UdpDescriptor.SessionId(header), spooled.SessionId);
        Assert.Equal("generation 7 (delta from 5)", spooled.Describe);
    }

    [Fact]
    public void Streams_written_by_an_earlier_release_are_listed_in_order_and_strangers_are_not()
    {
        var directory = UdpInbox.DirectoryOf(_temp.Path);
        Directory.CreateDirectory(directory);
        foreach (var stem in new[] { $"g00000009-b00000008-{StreamIdHex}", $"g00000009-b00000000-{StreamIdHex}", $"g00000003-b00000000-{StreamIdHex}" })
        {
            File.WriteAllBytes(Path.Combine(directory, stem + ".stream"), [1, 2]);
            File.WriteAllBytes(Path.Combine(directory, stem + ".desc"), [3]);
        }

        File.WriteAllBytes(Path.Combine(directory, $"g00000010-b00000009-{StreamIdHex}.stream"), [1]); // no descriptor yet
        File.WriteAllBytes(Path.Combine(directory, $"g0000011-b00000009-{StreamIdHex}.stream"), [1]);
        File.WriteAllBytes(Path.Combine(directory, $"g00000012-b00000009-{StreamIdHex}.desc"), [1]);
        File.WriteAllBytes(Path.Combine(directory, "notes.stream"), [1]);

        var listed = new UdpInbox(directory).List().Select(e => (e.Generation, e.BaseGeneration)).ToList();

        Assert.Equal([(3L, 0L), (9L, 0L), (9L, 8L)], listed);
    }

    [Fact]
    public void The_spool_keeps_the_newest_generations_and_removes_leftovers()
    {
        var spool = UdpSpool.Open(_temp.Path);
        foreach (var generation in new[] { 1, 2, 3 })
        {
            var stem = $"g{generation:D8}-b00000000-{StreamIdHex}";
            File.WriteAllBytes(Path.Combine(spool.DirectoryPath, stem + ".stream"), [1]);
            File.WriteAllBytes(Path.Combine(spool.DirectoryPath, stem + ".desc"), [2]);
        }

        File.WriteAllBytes(Path.Combine(spool.DirectoryPath, $".tmp-g00000004-b00000003-{StreamIdHex}.stream"), [1]);

        Assert.Equal(1, spool.Prune(2));

        Assert.Equal([2L, 3L], spool.List().Select(e => e.Generation));
        Assert.Equal(4, Directory.GetFiles(spool.DirectoryPath).Length);
    }

    public void Dispose() => _temp.Dispose();

    private static DeltaHeader Header(long generation, long baseGeneration) => new(
        DeltaHeader.SlicedManifestFormat, Convert.FromHexString(StreamIdHex), generation, Digest.Compute([1]), 1, baseGeneration,
        baseGeneration == 0 ? Digest.Empty : Digest.Compute([2]), DateTimeOffset.UnixEpoch, 0, 0);
}

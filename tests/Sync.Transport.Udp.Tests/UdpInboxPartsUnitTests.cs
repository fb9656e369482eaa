using Sync.Core.Streams;

namespace Sync.Transport.Udp.Tests;

/// <summary>
/// Parts of a stream in the inside's UDP inbox: their names (pinned: an inbox survives upgrades), what is listed as a
/// stream and what as a partial stream, the change signal, removal and the bound on what is kept.
/// </summary>
public sealed class UdpInboxPartsUnitTests : IDisposable
{
    private const string StreamIdHex = PartsInbox.StreamIdHex;

    private readonly PartsInbox _parts = new();

    private UdpInbox Inbox => _parts.Inbox;

    public void Dispose() => _parts.Dispose();

    [Fact]
    public void A_part_is_kept_under_its_stream_and_index_and_is_never_listed_as_a_stream()
    {
        var part = _parts.AddPart(new StreamPart(2, 300, Last: false), 100);

        Assert.Equal($"g00000007-b00000005-{StreamIdHex}.p000002.part", Path.GetFileName(part.PartPath));
        Assert.Equal($"g00000007-b00000005-{StreamIdHex}.p000002.desc", Path.GetFileName(part.DescriptorPath));
        Assert.Equal("generation 7 (delta from 5) part 2", part.Describe);
        Assert.Empty(Inbox.List());
        Assert.Equal([part], Inbox.Parts());
        Assert.Empty(Inbox.PartialStreams()); // no part 0 yet: nothing to start applying
        Assert.True(Inbox.HoldsPart(StreamIdHex, 2));
        Assert.False(Inbox.HoldsPart(StreamIdHex, 1));
        Assert.False(Inbox.Holds(StreamIdHex));
        Assert.Equal(1, Inbox.Count);
    }

    [Fact]
    public void A_stream_with_part_0_is_partial_until_it_is_here_whole()
    {
        _parts.AddPart(new StreamPart(0, 0, Last: false), 300);
        _parts.AddPart(new StreamPart(2, 500, Last: true), 50);

        var partial = Assert.Single(Inbox.PartialStreams());
        Assert.Equal((7L, 5L, StreamIdHex), (partial.Generation, partial.BaseGeneration, partial.StreamIdHex));
        Assert.Equal([0, 2], partial.Indices);
        Assert.Equal(2, Inbox.LastPart(partial));
        Assert.False(Inbox.Holds(StreamIdHex)); // part 1 is missing
        Assert.Equal(Inbox.Parts()[1].PartPath, Inbox.FindPart(partial, 2, out var place));
        Assert.Equal(new StreamPart(2, 500, true), place);
        Assert.Null(Inbox.FindPart(partial, 1, out _));

        _parts.AddPart(new StreamPart(1, 300, Last: false), 200);
        Assert.True(Inbox.Holds(StreamIdHex));

        Inbox.Add(_parts.Header, _parts.Object(550), UdpDescriptor.Encode(PartsInbox.Signed));
        Assert.Empty(Inbox.PartialStreams()); // whole now: applied from the stream file
        Assert.Equal(1, Inbox.Count);
    }

    [Fact]
    public void The_last_part_is_known_only_once_the_part_that_ends_the_stream_is_here()
    {
        _parts.AddPart(new StreamPart(0, 0, Last: false), 10);
        _parts.AddPart(new StreamPart(1, 10, Last: false), 10);

        Assert.Null(Inbox.LastPart(Assert.Single(Inbox.PartialStreams())));
    }

    [Fact]
    public void Adding_a_part_or_a_stream_completes_the_change_signal_taken_before()
    {
        var before = Inbox.WhenChanged;
        Assert.False(before.IsCompleted);

        _parts.AddPart(new StreamPart(0, 0, Last: false), 10);

        Assert.True(before.IsCompleted);
        var next = Inbox.WhenChanged;
        Assert.False(next.IsCompleted);
        Inbox.Add(_parts.Header, _parts.Object(10), UdpDescriptor.Encode(PartsInbox.Signed));
        Assert.True(next.IsCompleted);
    }

    [Fact]
    public void A_settled_stream_leaves_with_all_its_parts_and_parts_of_published_generations_go()
    {
        _parts.AddPart(new StreamPart(0, 0, Last: false), 10);
        _parts.AddPart(new StreamPart(1, 10, Last: true), 10);
        var other = PartsInbox.HeaderOf(9, 7, "fedcba9876543210fedcba9876543210");
        Inbox.AddPart(other, new StreamPart(0, 0, false), _parts.Object(10), UdpDescriptor.EncodePart(PartsInbox.Signed, new StreamPart(0, 0, false)));

        Inbox.RemovePartsUpTo(7);

        Assert.Equal([9L], Inbox.Parts().Select(p => p.Generation));
        Inbox.RemoveStream(other.StreamIdHex);
        Assert.Empty(Directory.GetFiles(Inbox.DirectoryPath));
    }

    [Fact]
    public void Trim_bounds_the_streams_held_in_parts_too_and_drops_the_newest()
    {
        for (var generation = 1; generation <= UdpInbox.Capacity + 2; generation++)
        {
            var header = PartsInbox.HeaderOf(generation, 0, $"{generation:x32}");
            Inbox.AddPart(header, new StreamPart(0, 0, false), _parts.Object(10), UdpDescriptor.EncodePart(PartsInbox.Signed, new StreamPart(0, 0, false)));
        }

        Inbox.Trim();

        Assert.Equal(Enumerable.Range(1, UdpInbox.Capacity).Select(g => (long)g), Inbox.PartialStreams().Select(p => p.Generation));
    }
}

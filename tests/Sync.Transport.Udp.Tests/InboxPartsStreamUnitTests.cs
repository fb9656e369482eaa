using Microsoft.Extensions.Time.Testing;
using Sync.Core;
using Sync.Core.Streams;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

/// <summary>
/// The stream an apply reads a generation sent in parts from: the parts in order, across their boundaries, waiting
/// for those still to come. The part waits are short; nothing here asserts how fast anything is.
/// </summary>
public sealed class InboxPartsStreamUnitTests : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(5);

    private readonly PartsInbox _parts = new();

    private UdpInbox Inbox => _parts.Inbox;

    public void Dispose() => _parts.Dispose();

    [Fact]
    public async Task The_parts_stream_reads_the_parts_in_order_and_waits_for_those_still_to_come()
    {
        var bytes = new byte[1000];
        new Random(3).NextBytes(bytes);
        _parts.AddPart(new StreamPart(0, 0, false), bytes[..100]);
        await using var stream = new InboxPartsStream(Inbox, Assert.Single(Inbox.PartialStreams()), Long, TimeProvider.System);

        var reading = ReadAllAsync(stream, 64);
        await WaitUntilAsync(() => stream.Index == 1); // read part 0 across two reads, now waits for part 1
        Assert.False(reading.IsCompleted);
        _parts.AddPart(new StreamPart(2, 700, Last: true), bytes[700..]);
        _parts.AddPart(new StreamPart(1, 100, false), bytes[100..700]);

        Assert.Equal(bytes, await reading);
        Assert.Equal(0, await stream.ReadAsync(new byte[10]));
        Assert.Equal(1000, stream.BytesRead);
    }

    [Fact]
    public async Task A_part_that_does_not_arrive_within_the_wait_ends_the_read_saying_which_one()
    {
        _parts.AddPart(new StreamPart(0, 0, false), 100);
        await using var stream = new InboxPartsStream(Inbox, Assert.Single(Inbox.PartialStreams()), TimeSpan.FromMilliseconds(100), TimeProvider.System);

        var missing = await Assert.ThrowsAsync<SyncException>(() => ReadAllAsync(stream, 4096));

        Assert.Equal(SyncErrorKind.MissingBase, missing.Kind);
        Assert.Equal("UDP generation 7 (delta from 5) part 1 did not arrive within 0.1 s; the stream is applied again when it does", missing.Message);
        Assert.Equal(1, stream.StalledAt);
    }

    [Fact]
    public async Task A_part_slower_than_the_wait_is_waited_for_while_datagrams_keep_arriving()
    {
        // The clock is fake and the link is the test's own: the waits run out only when the test moves the clock, and
        // every look at the link finds datagrams that arrived since the last one, however late the reader gets to
        // look. So a busy machine cannot make a busy link look silent.
        var time = new FakeTimeProvider();
        var step = TimeSpan.FromMilliseconds(40);
        var bytes = new byte[300];
        _parts.AddPart(new StreamPart(0, 0, false), bytes[..100]);
        long looks = 0;
        await using var stream = new InboxPartsStream(Inbox, Assert.Single(Inbox.PartialStreams()), TimeSpan.FromMilliseconds(100), time, () => Interlocked.Increment(ref looks));

        var reading = ReadAllAsync(stream, 4096);
        using var deadline = new CancellationTokenSource(Long);
        while (Interlocked.Read(ref looks) < 12 && !reading.IsCompleted) // the first look, then ten waits run out and renewed
        {
            time.Advance(step);
            await Task.Delay(1, deadline.Token);
        }

        Assert.False(reading.IsCompleted, $"gave up on a part while datagrams were still arriving: {reading.Exception?.InnerException?.Message}");
        _parts.AddPart(new StreamPart(1, 100, Last: true), bytes[100..]);
        Assert.Equal(bytes, await reading.WaitAsync(Long));

        // Once the link falls silent, the wait runs out as before.
        using var other = new PartsInbox();
        other.AddPart(new StreamPart(0, 0, false), 100);
        await using var silent = new InboxPartsStream(other.Inbox, Assert.Single(other.Inbox.PartialStreams()), TimeSpan.FromMilliseconds(100), time, () => 7);
        var waiting = ReadAllAsync(silent, 4096);
        while (!waiting.IsCompleted)
        {
            time.Advance(step); // until the reader's wait, whenever it began, has run out
            await Task.Delay(1, deadline.Token);
        }

        Assert.Equal(SyncErrorKind.MissingBase, (await Assert.ThrowsAsync<SyncException>(() => waiting)).Kind);
        Assert.Equal(1, silent.StalledAt);
    }

    [Theory]
    [InlineData(7, 5, true)] // the same generation again, under another stream id: the outside abandoned ours
    [InlineData(8, 5, true)] // a later generation on the old base: ours' number was used up
    [InlineData(8, 7, false)] // a delta from ours: it needs ours, so ours is waited for
    public async Task A_wait_for_a_part_gives_up_when_a_complete_stream_that_does_not_need_this_one_is_held(long generation, long baseGeneration, bool givesUp)
    {
        _parts.AddPart(new StreamPart(0, 0, false), 100); // generation 7 from 5, part 1 never comes
        await using var stream = new InboxPartsStream(Inbox, Assert.Single(Inbox.PartialStreams()), Long, TimeProvider.System);
        var reading = ReadAllAsync(stream, 4096);
        await WaitUntilAsync(() => stream.Index == 1);

        Inbox.Add(PartsInbox.HeaderOf(generation, baseGeneration, "fedcba9876543210fedcba9876543210"), _parts.Object(50), UdpDescriptor.Encode(PartsInbox.Signed));

        if (givesUp)
        {
            var missing = await Assert.ThrowsAsync<SyncException>(() => reading.WaitAsync(TimeSpan.FromSeconds(30)));
            Assert.Equal(SyncErrorKind.MissingBase, missing.Kind);
            Assert.Contains("needs none of it", missing.Message, StringComparison.Ordinal);
        }
        else
        {
            await Task.Delay(200);
            Assert.False(reading.IsCompleted, "gave up on a stream the complete one builds on");
        }
    }

    [Fact]
    public async Task A_part_that_does_not_start_where_the_parts_before_it_end_is_refused()
    {
        _parts.AddPart(new StreamPart(0, 0, false), 100);
        _parts.AddPart(new StreamPart(1, 99, true), 100);
        await using var stream = new InboxPartsStream(Inbox, Assert.Single(Inbox.PartialStreams()), Long, TimeProvider.System);

        var refused = await Assert.ThrowsAsync<SyncException>(() => ReadAllAsync(stream, 4096));

        Assert.Equal(SyncErrorKind.Refused, refused.Kind);
        Assert.Contains("part 1 starts at byte 99, but the parts before it end at byte 100", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_stream_ends_after_the_last_part_whatever_else_is_there()
    {
        _parts.AddPart(new StreamPart(0, 0, false), 100);
        _parts.AddPart(new StreamPart(1, 100, true), 0); // an empty last part is passed over
        _parts.AddPart(new StreamPart(2, 100, false), 100);
        await using var stream = new InboxPartsStream(Inbox, Assert.Single(Inbox.PartialStreams()), Long, TimeProvider.System);

        Assert.Equal(100, (await ReadAllAsync(stream, 4096)).Length);
        Assert.Equal(0, await stream.ReadAsync(new byte[10]));
    }

    [Fact]
    public async Task A_wait_for_a_part_gives_up_when_the_whole_stream_arrives()
    {
        _parts.AddPart(new StreamPart(0, 0, false), 100);
        await using var stream = new InboxPartsStream(Inbox, Assert.Single(Inbox.PartialStreams()), Long, TimeProvider.System);
        var reading = ReadAllAsync(stream, 4096);
        await WaitUntilAsync(() => stream.Index == 1);

        Inbox.Add(_parts.Header, _parts.Object(300), UdpDescriptor.Encode(PartsInbox.Signed));

        var superseded = await Assert.ThrowsAsync<SyncException>(() => reading);
        Assert.Equal(SyncErrorKind.MissingBase, superseded.Kind);
        Assert.Contains("the whole stream arrived", superseded.Message, StringComparison.Ordinal);
        Assert.Null(stream.StalledAt);
    }

    private static async Task<byte[]> ReadAllAsync(Stream stream, int bufferSize)
    {
        var all = new MemoryStream();
        var buffer = new byte[bufferSize];
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0)
        {
            all.Write(buffer, 0, read);
        }

        return all.ToArray();
    }

    /// <summary>Waits for the reader to reach a point (it runs on its own); the bound only keeps a broken test from hanging.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(Long);
        while (!condition())
        {
            await Task.Delay(10, deadline.Token);
        }
    }
}

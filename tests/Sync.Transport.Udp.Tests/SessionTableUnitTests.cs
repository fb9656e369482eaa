using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

/// <summary>The open-session table: bounded in count and memory, and a session that fits is never refused.</summary>
public sealed class SessionTableUnitTests
{
    [Fact]
    public void Sixty_four_and_more_sessions_make_room_by_closing_the_least_recently_active_never_by_refusing()
    {
        var table = new SessionTable(64, 1L << 30);
        var closed = new List<ulong>();
        for (ulong id = 0; id < 200; id++)
        {
            Assert.True(table.Fits(1000));
            closed.AddRange(table.MakeRoom(1000));
            table.Add(id, 1000, now: (long)id);
            Assert.InRange(table.Count, 1, 64);
        }

        // The oldest went first, in order; the newest 64 are open.
        Assert.Equal(Enumerable.Range(0, 136).Select(i => (ulong)i), closed);
        Assert.Equal(64 * 1000, table.StateBytes);
    }

    [Fact]
    public void Activity_keeps_a_session_open_while_idle_ones_make_room()
    {
        var table = new SessionTable(3, 1L << 30);
        table.Add(1, 10, now: 0);
        table.Add(2, 10, now: 1);
        table.Add(3, 10, now: 2);
        table.Touch(1, now: 5); // still receiving

        Assert.Equal([2UL], table.MakeRoom(10));
        table.Add(4, 10, now: 6);
        Assert.Equal([3UL], table.MakeRoom(10));
    }

    [Fact]
    public void Memory_is_bounded_and_only_a_session_bigger_than_the_whole_bound_does_not_fit()
    {
        var table = new SessionTable(64, 1000);
        table.Add(1, 400, now: 0);
        table.Add(2, 400, now: 1);
        Assert.True(table.Fits(1000));
        Assert.False(table.Fits(1001));

        Assert.Equal([1UL], table.MakeRoom(500));
        table.Add(3, 500, now: 2);
        Assert.Equal(900, table.StateBytes);
        Assert.Equal([2UL, 3UL], table.MakeRoom(1000));
        Assert.Equal((0, 0L), (table.Count, table.StateBytes));
    }
}

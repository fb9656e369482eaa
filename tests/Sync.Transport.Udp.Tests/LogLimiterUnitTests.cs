using Microsoft.Extensions.Time.Testing;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

/// <summary>Warnings about what the network sends: one line per kind per interval, with the count held back.</summary>
public sealed class LogLimiterUnitTests
{
    [Fact]
    public void A_flood_costs_one_line_per_interval_and_the_next_line_says_how_many_were_held_back()
    {
        var time = new FakeTimeProvider();
        var limiter = new LogLimiter(time, TimeSpan.FromMinutes(1));
        Assert.True(limiter.Allow(LogKind.AnnounceRejected, out long suppressed));
        Assert.Equal(0, suppressed);
        for (int i = 0; i < 10_000; i++)
        {
            Assert.False(limiter.Allow(LogKind.AnnounceRejected, out _));
        }

        // Another kind has its own interval.
        Assert.True(limiter.Allow(LogKind.Fault, out _));

        time.Advance(TimeSpan.FromSeconds(61));
        Assert.True(limiter.Allow(LogKind.AnnounceRejected, out suppressed));
        Assert.Equal(10_000, suppressed);
        Assert.False(limiter.Allow(LogKind.AnnounceRejected, out _));
    }

    [Fact]
    public void What_was_held_back_is_summed_up_once_the_interval_is_over()
    {
        var time = new FakeTimeProvider();
        var limiter = new LogLimiter(time, TimeSpan.FromMinutes(1));
        var written = new List<(LogKind, long)>();
        Assert.True(limiter.Allow(LogKind.ForeignVersion, out _));
        Assert.False(limiter.Allow(LogKind.ForeignVersion, out _));
        Assert.False(limiter.Allow(LogKind.ForeignVersion, out _));

        limiter.FlushSuppressed((kind, count) => written.Add((kind, count)));
        Assert.Empty(written);
        time.Advance(TimeSpan.FromMinutes(1));
        limiter.FlushSuppressed((kind, count) => written.Add((kind, count)));
        Assert.Equal([(LogKind.ForeignVersion, 2L)], written);
        limiter.FlushSuppressed((kind, count) => written.Add((kind, count)));
        Assert.Single(written);
    }
}

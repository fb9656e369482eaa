using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

/// <summary>The pacer's credit handed from one send session to the next, against a simulated clock.</summary>
public sealed class PacerCreditUnitTests
{
    private const long Frequency = 1_000_000_000; // 1 ns ticks
    private const double BytesPerSecond = 1e9 / 8;
    private const int Burst = 16 * 1500;

    [Fact]
    public void The_next_session_spends_what_the_last_one_still_owed_the_link()
    {
        var credit = new PacerCredit();
        var first = credit.Take(BytesPerSecond, Frequency, Burst, 0.1, 1.25, 0);
        first.Consume(Burst, 0);

        // The first session's send thread fell 40 ms behind and its part ended: the credit goes back.
        long end = 40_000_000;
        Assert.Equal(0, first.Delay(Burst, end));
        credit.Return(first);

        // The next part starts 5 ms later. It takes the same bucket, with the 40 ms owed and nothing for the 5 ms.
        long start = end + 5_000_000;
        var second = credit.Take(BytesPerSecond, Frequency, Burst, 0.1, 1.25, start);
        Assert.Same(first, second);
        long sent = 0;
        while (second.Delay(Burst, start) == 0)
        {
            second.Consume(Burst, start);
            sent += Burst;
            start += 1; // back to back: only the peak bucket's depth limits it at once
        }

        Assert.Equal(Burst, sent); // no burst beyond the peak bucket's depth

        // Over the next 100 ms it sends those 100 ms and 25 ms of what was owed (the catch-up runs at 1.25x); by 250 ms
        // it has paid back the 40 ms owed and no more: the 5 ms between the sessions earned nothing.
        Assert.InRange(SecondsSent(second, ref start, start + 100_000_000), 0.125 - 0.002, 0.125 + 0.002);
        Assert.InRange(SecondsSent(second, ref start, start + 150_000_000), 0.150 + 0.015 - 0.002, 0.150 + 0.015 + 0.002);
    }

    /// <summary>Sends as fast as <paramref name="bucket"/> allows from <paramref name="now"/> until <paramref name="until"/>; the link seconds sent.</summary>
    private static double SecondsSent(TokenBucket bucket, ref long now, long until)
    {
        long sent = 0;
        while (now < until)
        {
            long delay = bucket.Delay(Burst, now);
            if (delay > 0)
            {
                now += delay;
                continue;
            }

            bucket.Consume(Burst, now);
            sent += Burst;
        }

        return sent / BytesPerSecond;
    }

    [Fact]
    public void A_session_at_other_settings_starts_afresh()
    {
        var credit = new PacerCredit();
        var first = credit.Take(BytesPerSecond, Frequency, Burst, 0.1, 1.25, 0);
        credit.Return(first);

        Assert.NotSame(first, credit.Take(BytesPerSecond / 2, Frequency, Burst, 0.1, 1.25, 0));
        credit.Return(first);
        Assert.NotSame(first, credit.Take(BytesPerSecond, Frequency, Burst * 2, 0.1, 1.25, 0));
        credit.Return(first);
        Assert.NotSame(first, credit.Take(BytesPerSecond, Frequency, Burst, 0.2, 1.25, 0));
        credit.Return(first);
        Assert.NotSame(first, credit.Take(BytesPerSecond, Frequency, Burst, 0.1, 1.5, 0));
        credit.Return(first);

        // A clock of other ticks (the credit and its last reading are in the old clock's ticks) must not be reused.
        Assert.NotSame(first, credit.Take(BytesPerSecond, Frequency / 1000, Burst, 0.1, 1.25, 0));
        credit.Return(first);
        Assert.Same(first, credit.Take(BytesPerSecond, Frequency, Burst, 0.1, 1.25, 0));
    }

    [Fact]
    public void Overlapping_sessions_never_share_a_bucket()
    {
        var credit = new PacerCredit();
        var first = credit.Take(BytesPerSecond, Frequency, Burst, 0.1, 1.25, 0);
        var second = credit.Take(BytesPerSecond, Frequency, Burst, 0.1, 1.25, 0);
        Assert.NotSame(first, second);

        credit.Return(first);
        Assert.Same(first, credit.Take(BytesPerSecond, Frequency, Burst, 0.1, 1.25, 0));
        Assert.NotSame(first, credit.Take(BytesPerSecond, Frequency, Burst, 0.1, 1.25, 0));
    }
}

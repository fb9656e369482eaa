using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

/// <summary>The pacer's arithmetic against a simulated clock: deterministic, no wall-clock timing.</summary>
public sealed class TokenBucketUnitTests
{
    private const long Frequency = 1_000_000_000; // 1 ns ticks
    private const int Wire = 1500;

    private sealed class Simulation(double bitsPerSecond, double peakFactor = 1.25, double maxCredit = 0.02)
    {
        public long Now { get; set; }

        public List<long> Sends { get; } = [];

        public TokenBucket Bucket { get; } = new(bitsPerSecond / 8, Frequency, 4 * Wire, maxCredit, peakFactor, 0);

        /// <summary>Sends until <paramref name="until"/>, the thread waking <paramref name="lateBy"/> ticks after each wait.</summary>
        public void Run(long until, long lateBy = 0)
        {
            while (Now < until)
            {
                long delay = Bucket.Delay(Wire, Now);
                if (delay > 0)
                {
                    Now += delay + lateBy;
                    continue;
                }

                Bucket.Consume(Wire, Now);
                Sends.Add(Now);
                Now += 2_000; // a send takes 2 µs
            }
        }

        public long BytesIn(long from, long to) => Sends.Count(t => t >= from && t < to) * (long)Wire;
    }

    [Theory]
    [InlineData(1e9, 0)]
    [InlineData(1e9, 30_000)]
    [InlineData(200e6, 0)]
    [InlineData(10e6, 500_000)]
    public void Holds_the_rate_within_two_percent_over_every_second(double bps, long lateBy)
    {
        var sim = new Simulation(bps);
        sim.Run(3 * Frequency, lateBy);
        for (long start = 0; start + Frequency <= 3 * Frequency; start += Frequency / 4)
        {
            double achieved = sim.BytesIn(start, start + Frequency) * 8.0;
            Assert.InRange(achieved, bps * 0.98, bps * 1.02);
        }
    }

    [Fact]
    public void Keeps_credit_across_a_short_stall_and_catches_up_without_big_bursts()
    {
        var sim = new Simulation(1e9);
        sim.Run(Frequency / 2);
        sim.Now += 10_000_000; // the thread stalls 10 ms
        sim.Run(3 * Frequency / 2);

        // The stall is made up: a second containing it still carries the full rate.
        double achieved = sim.BytesIn(Frequency / 4, Frequency / 4 + Frequency) * 8.0;
        Assert.InRange(achieved, 0.98e9, 1.02e9);

        // Catching up runs at the peak rate: no more than a few datagrams in any 20 µs.
        int worst = 0;
        for (int i = 0, j = 0; i < sim.Sends.Count; i++)
        {
            while (sim.Sends[i] - sim.Sends[j] > 20_000)
            {
                j++;
            }

            worst = Math.Max(worst, i - j + 1);
        }

        Assert.InRange(worst, 1, 8);
    }

    [Theory]
    [InlineData(1, 0.70, 0.90)] // one burst per wake-up: never catches up
    [InlineData(SendSession.CatchUpBursts, 0.98, 1.02)]
    public void A_sender_that_wakes_late_every_time_holds_the_rate_only_with_a_few_bursts_of_depth(int depthBursts, double low, double high)
    {
        // The send thread hands the kernel 16 datagrams per send (UDP segmentation) and wakes 80 µs late after every
        // wait: a quarter of the 192 µs a burst takes at 1 Gbit/s, more than the 1.25x catch-up rate leaves.
        const int Burst = 16 * Wire;
        var bucket = new TokenBucket(1e9 / 8, Frequency, depthBursts * Burst, 0.1, 1.25, 0);
        long now = 0;
        long sent = 0;
        while (now < Frequency)
        {
            long delay = bucket.Delay(Burst, now);
            if (delay > 0)
            {
                now += delay + 80_000;
                continue;
            }

            bucket.Consume(Burst, now);
            sent += Burst;
            now += 5_000; // a send takes 5 µs
        }

        Assert.InRange(sent * 8.0 / 1e9, low, high);
    }

    [Fact]
    public void Credit_is_bounded_so_a_long_stall_is_not_paid_back_in_full()
    {
        var sim = new Simulation(1e9, peakFactor: 100);
        sim.Run(Frequency / 10);
        int before = sim.Sends.Count;
        sim.Now += Frequency; // one second asleep
        long wokeAt = sim.Now;
        sim.Run(wokeAt + 30_000_000); // 30 ms at up to 100x the rate

        // What went out is the bounded credit (20 ms) plus the 30 ms that passed, not the second that was missed.
        double sent = (sim.Sends.Count - before) * (double)Wire;
        double expected = (0.02 + 0.03) * 1e9 / 8;
        Assert.InRange(sent, expected * 0.97, expected * 1.03);
    }

    [Fact]
    public void Reports_zero_delay_only_when_the_bytes_may_go()
    {
        var bucket = new TokenBucket(1000, Frequency, 4 * Wire, 0.02, 1.25, 0);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(0, bucket.Delay(Wire, 0));
            bucket.Consume(Wire, 0);
        }

        long delay = bucket.Delay(Wire, 0);
        Assert.Equal(1.5 * Frequency, (double)delay, tolerance: 2);
        Assert.Equal(0, bucket.Delay(Wire, delay));
    }
}

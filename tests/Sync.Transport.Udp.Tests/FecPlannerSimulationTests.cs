using Xunit.Abstractions;

namespace Sync.Transport.Udp.Tests;

/// <summary>
/// The planner's risk figures against a packet-by-packet simulation: a seeded loss process (independent, random
/// bursts, fixed bursts) runs over a stream of interleaved windows, each block counts its lost symbols, and the
/// observed share of blocks that lose more than r must match what <see cref="FecPlannerLoss"/> predicts. The
/// parameters are chosen so failures are frequent enough to count (about one block in a hundred to a thousand); the
/// planner's one-in-a-billion figures come from the same functions at other parameters, which is the extrapolation.
/// </summary>
public sealed class FecPlannerSimulationTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(0.05, 1, 1, 128, 14, 4_000_000)]
    [InlineData(0.01, 1, 7, 1000, 20, 400_000)]
    [InlineData(0.01, 20, 8, 256, 11, 2_000_000)]
    [InlineData(0.02, 50, 4, 300, 36, 1_000_000)]
    [InlineData(0.01, 1000, 30, 1000, 70, 300_000)]
    [InlineData(0.05, 4, 1, 512, 60, 600_000)]
    public void Observed_block_failures_match_the_predicted_rate(double loss, int meanBurst, int interleave, int symbols, int repair, int blocks)
    {
        double predicted = FecPlannerLoss.LossTail(symbols, loss, meanBurst, interleave, repair)[repair];
        var (failed, simulated, lostTotal) = Simulate(loss, meanBurst, interleave, symbols, repair, blocks, seed: (int)(loss * 1e6) * 7919 + meanBurst * 104_729 + symbols * 31 + interleave);
        double observed = (double)failed / simulated;

        // Blocks of one window share bursts, so count a window as one draw when bounding the noise.
        double sigma = Math.Sqrt(predicted * (1 - predicted) * interleave / simulated);
        output.WriteLine($"loss {loss:P1}, mean burst {meanBurst}, interleave {interleave}, n={symbols}, r={repair}: {simulated:N0} blocks, " +
            $"predicted {predicted:E3}, observed {observed:E3} ({failed} failures), measured loss {(double)lostTotal / ((long)simulated * symbols):P3}");
        Assert.InRange(predicted, 1e-4, 0.05);
        Assert.True(failed >= 100, $"only {failed} failures: not enough to compare");
        Assert.True(Math.Abs(observed - predicted) <= 5 * sigma, $"observed {observed:E3} vs predicted {predicted:E3} (sigma {sigma:E2})");
    }

    [Theory]
    [InlineData(1000, 100_000, 46, 1014)]
    [InlineData(200, 20_000, 1, 6000)]
    [InlineData(200, 20_000, 5, 8000)]
    [InlineData(37, 1000, 3, 900)]
    [InlineData(50, 1000, 7, 2000)]
    public void The_periodic_worst_case_is_the_most_any_phase_loses(int burst, int period, int interleave, int symbols)
    {
        int predicted = FecPlannerLoss.PeriodicWorstCase(symbols, interleave, burst, period);

        // Every phase of the pattern against the block's first symbol, counted directly.
        int worst = 0;
        for (int phase = 0; phase < period; phase++)
        {
            int lost = 0;
            for (long s = 0; s < symbols; s++)
            {
                if ((phase + s * interleave) % period < burst)
                {
                    lost++;
                }
            }

            worst = Math.Max(worst, lost);
        }

        output.WriteLine($"bursts of {burst} every {period}, interleave {interleave}, n={symbols}: worst {worst}, predicted {predicted}");
        Assert.Equal(worst, predicted);
    }

    [Fact]
    public void Independent_loss_is_the_binomial_and_a_mean_burst_of_one_over_one_minus_p_is_independent()
    {
        double[] tail = FecPlannerLoss.LossTail(500, 0.03, 1, 9, 40);
        for (int r = 0; r <= 40; r++)
        {
            Assert.Equal(FecPlannerLoss.BinomialTail(500, 0.03, r + 1), tail[r], 1e-12);
        }

        Assert.True(FecPlannerLoss.IsIndependent(0.03, 1 / 0.97));
        Assert.False(FecPlannerLoss.IsIndependent(0.03, 2));
    }

    /// <summary>
    /// Windows of <paramref name="interleave"/> blocks of <paramref name="symbols"/> symbols each, sent row by row
    /// (symbol s of every block, then s + 1) through one continuous loss process; returns how many blocks lost more
    /// than <paramref name="repair"/>.
    /// </summary>
    private static (long Failed, int Simulated, long Lost) Simulate(double loss, int meanBurst, int interleave, int symbols, int repair, int blocks, int seed)
    {
        var random = new XorShift((ulong)seed | 1);
        bool independent = FecPlannerLoss.IsIndependent(loss, meanBurst);
        double toBad = loss / ((1 - loss) * meanBurst);
        double toGood = 1.0 / meanBurst;
        bool bad = random.NextDouble() < loss;
        var lostInBlock = new int[interleave];
        long failed = 0;
        long lostTotal = 0;
        int simulated = 0;
        while (simulated < blocks)
        {
            Array.Clear(lostInBlock);
            for (int s = 0; s < symbols; s++)
            {
                for (int b = 0; b < interleave; b++)
                {
                    bool lost;
                    if (independent)
                    {
                        lost = random.NextDouble() < loss;
                    }
                    else
                    {
                        lost = bad;
                        bad = bad ? random.NextDouble() >= toGood : random.NextDouble() < toBad;
                    }

                    if (lost)
                    {
                        lostInBlock[b]++;
                    }
                }
            }

            foreach (int lost in lostInBlock)
            {
                failed += lost > repair ? 1 : 0;
                lostTotal += lost;
            }

            simulated += interleave;
        }

        return (failed, simulated, lostTotal);
    }

    /// <summary>xorshift64*: fast and good enough to drive a loss simulation, and the same on every machine.</summary>
    private sealed class XorShift(ulong state)
    {
        private ulong _state = state;

        public double NextDouble()
        {
            _state ^= _state >> 12;
            _state ^= _state << 25;
            _state ^= _state >> 27;
            return ((_state * 0x2545F4914F6CDD1DUL) >> 11) * (1.0 / (1UL << 53));
        }
    }
}

namespace Sync.Transport.Udp.Tests;

public sealed class FecPlannerUnitTests
{
    [Fact]
    public void More_loss_needs_more_overhead()
    {
        double previous = -1;
        foreach (double loss in (double[])[0, 0.001, 0.01, 0.02, 0.05, 0.1, 0.2])
        {
            FecPlan plan = FecPlanner.Plan(loss, 1, 1_000_000_000, 1500);
            Assert.True(plan.FecOverhead > previous || plan.RepairSymbolsPerBlock == 128, $"loss {loss}: {plan.Explanation}");
            previous = plan.FecOverhead;
        }
    }

    [Fact]
    public void Burstier_loss_gets_deeper_interleave()
    {
        int previous = 0;
        foreach (int burst in (int[])[1, 64, 100, 500, 1000, 5000])
        {
            FecPlan plan = FecPlanner.Plan(0.01, burst, 1_000_000_000, 1500);
            Assert.True(plan.Interleave >= previous);
            Assert.True(plan.Interleave >= Math.Min(burst, FecPlanner.MaxInterleave));
            previous = plan.Interleave;
        }

        Assert.True(FecPlanner.Plan(0.01, 1000, 1_000_000_000, 1500).Interleave > FecPlanner.Plan(0.01, 1, 1_000_000_000, 1500).Interleave);
    }

    [Theory]
    [InlineData(576, 64)]
    [InlineData(1500, 64)]
    [InlineData(3000, 16)]
    [InlineData(4000, 16)]
    [InlineData(9000, 8)]
    [InlineData(65535, 1)]
    public void The_default_interleave_is_64_at_mtu_1500_and_shallower_for_larger_datagrams(int mtu, int expected)
    {
        Assert.Equal(expected, FecPlanner.DefaultInterleave(mtu));
    }

    [Fact]
    public void A_default_window_holds_at_most_what_64_blocks_of_1500_byte_datagrams_hold_and_more_than_half_of_it()
    {
        const long standard = 64L * (1500 - 28);
        for (int mtu = 1500; mtu <= 65535; mtu += 97)
        {
            int interleave = FecPlanner.DefaultInterleave(mtu);
            long window = (long)interleave * (mtu - 28);
            Assert.True(System.Numerics.BitOperations.IsPow2(interleave), $"MTU {mtu}: {interleave}");
            Assert.True(window <= standard, $"MTU {mtu}: {interleave} datagrams of {mtu - 28} bytes hold {window}, more than {standard}");
            Assert.True(interleave == 1 || window * 2 > standard, $"MTU {mtu}: {interleave} is shallower than it needs to be");
        }
    }

    [Fact]
    public void The_planner_spreads_bursts_from_the_default_depth_of_the_mtu()
    {
        Assert.Equal(8, FecPlanner.Plan(0.05, 1, 1_000_000_000, 9000).Interleave);
        Assert.Equal(64, FecPlanner.Plan(0.05, 1, 1_000_000_000, 1500).Interleave);
        Assert.Equal(1024, FecPlanner.Plan(0.01, 1000, 1_000_000_000, 9000).Interleave);
    }

    [Theory]
    [InlineData(0.0, 1)]
    [InlineData(0.01, 1)]
    [InlineData(0.05, 1)]
    [InlineData(0.05, 50)]
    [InlineData(0.3, 10_000)]
    [InlineData(0.9, 1)]
    public void Probabilities_are_probabilities_and_goodput_is_below_the_rate(double loss, int burst)
    {
        FecPlan plan = FecPlanner.Plan(loss, burst, 500_000_000, 1500);
        Assert.InRange(plan.GigabyteFailureProbability, 0, 1);
        Assert.InRange(plan.GoodputBitsPerSecond, 1, 500_000_000);
        Assert.InRange(plan.RepairSymbolsPerBlock, 0, 128);
        Assert.False(string.IsNullOrWhiteSpace(plan.Explanation));
    }

    [Fact]
    public void Matches_the_binomial_figures_of_the_reference()
    {
        // k=128, r=32 at 5 % iid loss: the reference computes about 2e-8 per GB for its 1408-byte symbols.
        double p = FecPlanner.GigabyteFailure(0.05, 128, 32, 1, Math.Ceiling(1e9 / (128.0 * 1408)));
        Assert.InRange(p, 1e-9, 1e-7);
        FecPlan plan = FecPlanner.Plan(0.05, 1, 1_000_000_000, 1500);
        Assert.InRange(plan.FecOverhead, 0.2, 0.35);
    }
}

using Xunit.Abstractions;

namespace Sync.Transport.Udp.Tests;

/// <summary>The GF(2^16) planner: the targets, its memory model and budget, and consistency with its loss models.</summary>
public sealed class FecPlannerLargeBlockUnitTests(ITestOutputHelper output)
{
    private const long Gigabit = 1_000_000_000;

    [Fact]
    public void At_5_percent_independent_loss_the_overhead_is_at_most_7_percent()
    {
        FecPlan plan = FecPlanner.PlanLargeBlocks(0.05, 1, Gigabit, 1500);
        output.WriteLine(plan.Explanation);
        Assert.True(plan.LargeBlocks);
        Assert.InRange(plan.FecOverhead, 0.05, 0.07);
        Assert.InRange(plan.GigabyteFailureProbability, 0, FecPlanner.TargetGigabyteFailure);

        // Goodput at least 90 % of the channel's capacity: the loss-free payload ceiling (1436 of every 1500 wire
        // bytes at MTU 1500) times 0.95.
        Assert.True(plan.GoodputBitsPerSecond >= 0.9 * (Gigabit * 1436.0 / 1500 * 0.95), $"goodput {plan.GoodputBitsPerSecond:F0}");
        Assert.InRange(plan.SenderMemoryBytes, 1, FecPlanner.DefaultMemoryBudgetBytes);
        Assert.InRange(plan.ReceiverMemoryBytes, 1, FecPlanner.DefaultMemoryBudgetBytes);
    }

    [Fact]
    public void At_1_percent_loss_in_periodic_bursts_of_1000_the_overhead_is_at_most_3_percent_in_128_MiB()
    {
        FecPlan plan = FecPlanner.PlanLargeBlocks(0.01, 1000, Gigabit, 1500, periodicBursts: true);
        output.WriteLine(plan.Explanation);
        Assert.InRange(plan.FecOverhead, 0.01, 0.03);
        Assert.Equal(0, plan.GigabyteFailureProbability);
        Assert.True(plan.SenderMemoryBytes < 128L << 20, $"sender {plan.SenderMemoryBytes}");
        Assert.True(plan.ReceiverMemoryBytes < 128L << 20, $"receiver {plan.ReceiverMemoryBytes}");

        // Its own model agrees: no phase of the bursts costs a block more than r symbols.
        int worst = FecPlannerLoss.PeriodicWorstCase(plan.DataSymbolsPerBlock + plan.RepairSymbolsPerBlock, plan.Interleave, 1000, 100_000);
        Assert.True(worst <= plan.RepairSymbolsPerBlock, $"worst case {worst} > r {plan.RepairSymbolsPerBlock}");
    }

    [Fact]
    public void Random_bursts_get_an_honest_figure_from_the_same_model_the_tests_simulate()
    {
        FecPlan plan = FecPlanner.PlanLargeBlocks(0.01, 1000, Gigabit, 1500);
        output.WriteLine(plan.Explanation);
        int k = plan.DataSymbolsPerBlock;
        int r = plan.RepairSymbolsPerBlock;
        double block = FecPlannerLoss.LossTail(k + r, 0.01, 1000, plan.Interleave, r)[r];
        Assert.Equal(block, plan.BlockFailureProbability, 1e-3 * block + 1e-300);
        double blocks = Math.Ceiling(1e9 / ((double)k * plan.SymbolSize));
        Assert.Equal(Math.Min(1, blocks * block), plan.GigabyteFailureProbability, 1e-3 * plan.GigabyteFailureProbability + 1e-300);
        Assert.True(plan.SenderMemoryBytes <= FecPlanner.DefaultMemoryBudgetBytes);
        Assert.Contains(plan.GigabyteFailureProbability <= FecPlanner.TargetGigabyteFailure ? "lowest overhead" : "out of reach", plan.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void More_loss_needs_more_overhead_and_every_plan_fits_its_budget()
    {
        double previous = -1;
        foreach (double loss in (double[])[0, 0.001, 0.01, 0.02, 0.05, 0.1])
        {
            FecPlan plan = FecPlanner.PlanLargeBlocks(loss, 1, Gigabit, 1500);
            output.WriteLine($"{loss:P1}: {plan.FecOverhead:P2} k={plan.DataSymbolsPerBlock} r={plan.RepairSymbolsPerBlock}");
            Assert.True(plan.FecOverhead > previous || loss == 0, $"loss {loss}: {plan.Explanation}");
            Assert.True(plan.RepairSymbolsPerBlock <= plan.FirstPassWindow, "r fits the codec's first window");
            Assert.Equal(0, plan.DataSymbolsPerBlock + plan.FirstPassWindow & (plan.DataSymbolsPerBlock + plan.FirstPassWindow - 1));
            Assert.InRange(plan.SenderMemoryBytes, 1, FecPlanner.DefaultMemoryBudgetBytes);
            Assert.InRange(plan.ReceiverMemoryBytes, 1, FecPlanner.DefaultMemoryBudgetBytes);
            previous = plan.FecOverhead;
        }
    }

    [Fact]
    public void A_smaller_budget_gives_smaller_blocks_and_never_more_memory()
    {
        FecPlan plan = FecPlanner.PlanLargeBlocks(0.05, 1, Gigabit, 1500, memoryBudgetBytes: 32L << 20);
        output.WriteLine(plan.Explanation);
        Assert.True(plan.SenderMemoryBytes <= 32L << 20 && plan.ReceiverMemoryBytes <= 32L << 20);
        Assert.True(plan.DataSymbolsPerBlock < FecPlanner.PlanLargeBlocks(0.05, 1, Gigabit, 1500).DataSymbolsPerBlock);
        Assert.Throws<ArgumentOutOfRangeException>(() => FecPlanner.PlanLargeBlocks(0.05, 1, Gigabit, 1500, memoryBudgetBytes: 1 << 20));
    }

    [Theory]
    [InlineData(1500, false, 1408)]
    [InlineData(1500, true, 1408)]
    [InlineData(9000, false, 8896)]
    [InlineData(576, true, 448)]
    public void Symbols_are_the_largest_multiple_of_64_that_fits(int mtu, bool mac, int expected)
    {
        Assert.Equal(expected, FecPlanner.LargeBlockSymbolSize(mtu, mac));
        Assert.Equal(expected, FecPlanner.PlanLargeBlocks(0.01, 1, Gigabit, mtu, mac: mac).SymbolSize);
    }

    [Fact]
    public void A_plan_states_its_assumptions()
    {
        FecPlan plan = FecPlanner.PlanLargeBlocks(0.02, 50, Gigabit, 1500);
        Assert.Contains(plan.Assumptions, a => a.Contains("Gilbert", StringComparison.Ordinal));
        Assert.Contains(plan.Assumptions, a => a.Contains("union bound", StringComparison.Ordinal));
        Assert.Contains(plan.Assumptions, a => a.Contains("memory", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(-0.1, 1, 1500)]
    [InlineData(1.0, 1, 1500)]
    [InlineData(0.01, 0, 1500)]
    [InlineData(0.01, 1, 500)]
    public void Bad_inputs_are_refused(double loss, int burst, int mtu) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => FecPlanner.PlanLargeBlocks(loss, burst, Gigabit, mtu));
}

using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

public sealed class SymbolScheduleUnitTests
{
    private static List<SymbolRef> Pass(SymbolSchedule schedule, int pass)
    {
        var order = new List<SymbolRef>();
        for (long w = 0; w < schedule.WindowCount; w++)
        {
            schedule.Fill(pass, w, order);
        }

        return order;
    }

    private static int WorstBlockLoss(List<SymbolRef> order, int burst)
    {
        int worst = 0;
        var lost = new Dictionary<long, int>();
        for (int start = 0; start + burst <= order.Count; start += Math.Max(1, burst / 3))
        {
            lost.Clear();
            for (int i = start; i < start + burst; i++)
            {
                lost[order[i].Block] = lost.GetValueOrDefault(order[i].Block) + 1;
            }

            worst = Math.Max(worst, lost.Values.Max());
        }

        return worst;
    }

    [Theory]
    [InlineData(1, 64)]
    [InlineData(63, 64)]
    [InlineData(64, 64)]
    [InlineData(65, 64)]
    [InlineData(500, 64)]
    [InlineData(1000, 16)]
    [InlineData(7, 1)]
    public void A_burst_of_B_packets_costs_each_block_at_most_ceil_B_over_N(int burst, int interleave)
    {
        // Whole blocks only (every block the same size), block count a multiple of the interleave.
        const int k = 32;
        var layout = new ObjectLayout(4L * interleave * k * 100, 100, k);
        var schedule = new SymbolSchedule(layout, 8, interleave);
        foreach (int pass in (int[])[1, 2, 5])
        {
            Assert.True(WorstBlockLoss(Pass(schedule, pass), burst) <= (burst + interleave - 1) / interleave);
        }
    }

    [Theory]
    [InlineData(1, 64)]
    [InlineData(100, 64)]
    [InlineData(300, 50)]
    public void Uneven_objects_still_spread_bursts_over_evened_out_windows(int burst, int interleave)
    {
        // 130 blocks and a short last block: windows of 65 and 65, never a lone block at the end.
        var layout = new ObjectLayout(129L * 40 * 100 + 1234, 100, 40);
        var schedule = new SymbolSchedule(layout, 10, interleave);
        int smallest = Enumerable.Range(0, (int)schedule.WindowCount).Min(w => schedule.Window(w).Count);
        Assert.True(smallest >= Math.Min(interleave, layout.BlockCount) / 2);
        Assert.True(WorstBlockLoss(Pass(schedule, 1), burst) <= (burst + smallest - 2) / (smallest - 1));
    }

    [Fact]
    public void Pass_one_is_all_data_and_the_first_repair_symbols_and_later_passes_are_fresh_until_the_space_wraps()
    {
        const int k = 100, r = 28;
        var layout = new ObjectLayout(3L * k * 10, 10, k);
        var schedule = new SymbolSchedule(layout, r, 2);
        var seen = new HashSet<int>();
        for (int pass = 1; pass <= 2; pass++)
        {
            List<SymbolRef> symbols = Pass(schedule, pass).Where(s => s.Block == 1).ToList();
            Assert.Equal(k + r, symbols.Count);
            Assert.Equal(k + r, symbols.Select(s => s.Symbol).Distinct().Count());
            if (pass == 1)
            {
                Assert.Equal(Enumerable.Range(0, k + r), symbols.Select(s => s.Symbol).Order());
            }
            else
            {
                // 256 - 128 = 128 fresh repair ids remain, so pass 2 repeats nothing.
                Assert.DoesNotContain(symbols, s => seen.Contains(s.Symbol));
            }

            seen.UnionWith(symbols.Select(s => s.Symbol));
        }

        // Pass 3 has only 0 fresh ids left and wraps to the data ids.
        Assert.Contains(Pass(schedule, 3), s => s.Symbol < k);
        Assert.All(Pass(schedule, 3), s => Assert.InRange(s.Symbol, 0, 255));
    }

    [Fact]
    public void Every_symbol_of_a_pass_is_sent_exactly_once()
    {
        var layout = new ObjectLayout(1_000_003, 1000, 128);
        var schedule = new SymbolSchedule(layout, 32, 4);
        List<SymbolRef> order = Pass(schedule, 1);
        Assert.Equal(schedule.PacketsPerPass, order.Count);
        Assert.Equal(order.Count, order.Distinct().Count());
        Assert.Equal(layout.SymbolCount, order.Count(s => s.Symbol < layout.DataSymbols(s.Block)));
    }
}

namespace Sync.Transport.Udp;

/// <summary>
/// The loss models behind <see cref="FecPlanner"/>: how many of a block's symbols a link loses. A block's symbols
/// leave <c>stride</c> packets apart (interleaving sends one symbol of each of <c>stride</c> blocks in turn), so
/// a model answers for the subsequence of every stride-th packet. Pure math, no state; the tests check every model
/// against a packet-by-packet simulation.
/// </summary>
internal static class FecPlannerLoss
{
    /// <summary>P(X ≥ <paramref name="atLeast"/>) for X ~ Binomial(<paramref name="n"/>, <paramref name="p"/>), summed in log space.</summary>
    public static double BinomialTail(int n, double p, int atLeast)
    {
        if (atLeast <= 0)
        {
            return 1;
        }

        if (atLeast > n || p <= 0)
        {
            return 0;
        }

        if (p >= 1)
        {
            return 1;
        }

        double logP = Math.Log(p);
        double logQ = Math.Log(1 - p);
        double logChoose = LogChoose(n, atLeast);
        double tail = 0;
        for (int x = atLeast; x <= n; x++)
        {
            double term = logChoose + x * logP + (n - x) * logQ;
            tail += Math.Exp(term);

            // Past the mode the terms only shrink; stop once they no longer move the sum.
            if (x > n * p && term < Math.Log(tail) - 40)
            {
                break;
            }

            logChoose += Math.Log(n - x) - Math.Log(x + 1);
        }

        return Math.Clamp(tail, 0, 1);
    }

    /// <summary>
    /// Random bursts (the simple Gilbert model): each packet is lost in the "bad" state and received in the "good"
    /// one; bad runs last <paramref name="meanBurst"/> packets on average, and the chain spends
    /// <paramref name="lossRate"/> of the time in it. A mean burst of at most 1/(1 - p) is independent loss.
    /// </summary>
    public static bool IsIndependent(double lossRate, double meanBurst) => meanBurst <= 1 / (1 - lossRate);

    /// <summary>
    /// tail[r] = P(more than r of a block's <paramref name="n"/> symbols are lost), r = 0..<paramref name="maxRepair"/>,
    /// for symbols <paramref name="stride"/> packets apart under random bursts (or independent loss, see
    /// <see cref="IsIndependent"/>). Every stride-th packet of a two-state Markov chain is again one: with
    /// λ = 1 - P(good→bad) - P(bad→good), P^stride has P(good→bad) = p(1 - λ^stride) and P(bad→good) =
    /// (1 - p)(1 - λ^stride). The count of losses is then exact by dynamic programming over (losses so far, state),
    /// with counts above maxRepair merged into one.
    /// </summary>
    public static double[] LossTail(int n, double lossRate, double meanBurst, int stride, int maxRepair)
    {
        var tail = new double[maxRepair + 1];
        if (IsIndependent(lossRate, meanBurst))
        {
            BinomialTails(n, lossRate, tail);
            return tail;
        }

        double toBad = lossRate / ((1 - lossRate) * meanBurst);
        double toGood = 1 / meanBurst;
        double decay = Math.Pow(1 - toBad - toGood, stride);
        double badFromGood = lossRate * (1 - decay);
        double goodFromBad = (1 - lossRate) * (1 - decay);

        // good[x], bad[x]: probability of x losses so far (x = cap stands for "more than maxRepair") and that state now.
        int cap = maxRepair + 1;
        var good = new double[cap + 1];
        var bad = new double[cap + 1];
        var nextGood = new double[cap + 1];
        var nextBad = new double[cap + 1];
        good[0] = 1 - lossRate;
        bad[Math.Min(1, cap)] = lossRate;
        for (int symbol = 1; symbol < n; symbol++)
        {
            // x losses so far: a good symbol keeps x, a lost one makes it x + 1; counts past maxRepair pile up at cap.
            int reach = Math.Min(symbol + 1, cap);
            Step(good.AsSpan(0, reach), bad.AsSpan(0, reach), nextGood.AsSpan(0, reach), nextBad.AsSpan(1, reach), badFromGood, goodFromBad);
            nextBad[0] = 0;
            if (reach == cap)
            {
                nextGood[cap] = good[cap] * (1 - badFromGood) + bad[cap] * goodFromBad;
                nextBad[cap] += good[cap] * badFromGood + bad[cap] * (1 - goodFromBad);
            }

            (good, nextGood) = (nextGood, good);
            (bad, nextBad) = (nextBad, bad);
        }

        double above = good[cap] + bad[cap];
        for (int r = maxRepair; r >= 0; r--)
        {
            tail[r] = Math.Clamp(above, 0, 1);
            above += good[r] + bad[r];
        }

        return tail;
    }

    /// <summary>
    /// A lower bound on P(more than <paramref name="repair"/> of a block's symbols are lost) under random bursts: one
    /// bad run of (r + 1)·stride packets inside the block's span already costs it r + 1 symbols, and a run starts at a
    /// given packet with probability P(good then bad) and lasts that long with probability (1 - 1/B)^(length - 1).
    /// It lets the planner drop hopeless shapes without running <see cref="LossTail"/>.
    /// </summary>
    public static double BurstLowerBound(int n, double lossRate, double meanBurst, int stride, int repair)
    {
        long length = (long)(repair + 1) * stride;
        if (IsIndependent(lossRate, meanBurst) || length > (long)(n - 1) * stride + 1)
        {
            return 0;
        }

        double start = lossRate / meanBurst;
        return start * Math.Exp((length - 1) * Math.Log(1 - 1 / meanBurst));
    }

    /// <summary>One symbol of the loss-count recursion, four or eight counts at a time.</summary>
    private static void Step(ReadOnlySpan<double> good, ReadOnlySpan<double> bad, Span<double> nextGood, Span<double> nextBadShifted, double badFromGood, double goodFromBad)
    {
        int x = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            var stayGood = new System.Numerics.Vector<double>(1 - badFromGood);
            var recover = new System.Numerics.Vector<double>(goodFromBad);
            var fall = new System.Numerics.Vector<double>(badFromGood);
            var stayBad = new System.Numerics.Vector<double>(1 - goodFromBad);
            int width = System.Numerics.Vector<double>.Count;
            for (; x + width <= good.Length; x += width)
            {
                var g = new System.Numerics.Vector<double>(good[x..]);
                var b = new System.Numerics.Vector<double>(bad[x..]);
                (g * stayGood + b * recover).CopyTo(nextGood[x..]);
                (g * fall + b * stayBad).CopyTo(nextBadShifted[x..]);
            }
        }

        for (; x < good.Length; x++)
        {
            nextGood[x] = good[x] * (1 - badFromGood) + bad[x] * goodFromBad;
            nextBadShifted[x] = good[x] * badFromGood + bad[x] * (1 - goodFromBad);
        }
    }

    /// <summary>tail[r] = P(X &gt; r) for X ~ Binomial(n, p): the probabilities in log space, summed from the far end.</summary>
    private static void BinomialTails(int n, double p, double[] tail)
    {
        if (p <= 0)
        {
            return;
        }

        double logP = Math.Log(p);
        double logQ = Math.Log(1 - p);
        var probability = new double[n + 1];
        double logChoose = 0;
        for (int x = 0; x <= n; x++)
        {
            probability[x] = Math.Exp(logChoose + x * logP + (n - x) * logQ);
            if (x < n)
            {
                logChoose += Math.Log(n - x) - Math.Log(x + 1);
            }
        }

        double above = 0;
        for (int x = n; x >= 0; x--)
        {
            if (x < tail.Length)
            {
                tail[x] = Math.Clamp(above, 0, 1);
            }

            above += probability[x];
        }
    }

    /// <summary>
    /// Fixed bursts: <paramref name="burst"/> consecutive packets lost out of every <paramref name="period"/> (what
    /// nftables' <c>numgen inc mod PERIOD &lt; BURST</c> does, and a receiver that stalls on a timer). Returns the most
    /// symbols a block of <paramref name="n"/> symbols, <paramref name="stride"/> packets apart, can lose over every
    /// phase of the pattern: symbol s is lost for the phases in one interval of length burst, so a sweep over the
    /// period with interval ends counts them all.
    /// </summary>
    public static int PeriodicWorstCase(int n, int stride, int burst, int period)
    {
        if (burst >= period)
        {
            return n;
        }

        // A span that never reaches a second burst meets at most one: the most symbols in any burst-long window.
        if ((long)(n - 1) * stride + burst <= period)
        {
            return Math.Min(n, (burst + stride - 1) / stride);
        }

        var change = new int[period + 1];
        for (long s = 0; s < n; s++)
        {
            // Symbol s is lost when (phase + s·stride) mod period < burst, i.e. for phase in [start, start + burst).
            int start = (int)((period - s * stride % period) % period);
            int end = start + burst;
            change[start]++;
            if (end <= period)
            {
                change[end]--;
            }
            else
            {
                change[period]--;
                change[0]++;
                change[end - period]--;
            }
        }

        int worst = 0;
        int covering = 0;
        for (int phase = 0; phase < period; phase++)
        {
            covering += change[phase];
            worst = Math.Max(worst, covering);
        }

        return worst;
    }

    private static double LogChoose(int n, int k)
    {
        double sum = 0;
        for (int i = 1; i <= k; i++)
        {
            sum += Math.Log(n - k + i) - Math.Log(i);
        }

        return sum;
    }
}

using System.Globalization;

namespace Sync.Transport.Udp.Internal;

/// <summary>The link as the planner models it: loss rate, burst length, and whether bursts are random or periodic.</summary>
internal sealed record LinkModel(double LossRate, int Burst, bool Periodic)
{
    private bool Independent => !Periodic && FecPlannerLoss.IsIndependent(LossRate, Burst);

    /// <summary>Packets from one burst's start to the next (periodic bursts).</summary>
    private int Period => (int)Math.Min(int.MaxValue, Math.Round(Burst / LossRate));

    public string Describe() =>
        LossRate == 0 ? "No loss"
        : Independent ? string.Create(CultureInfo.InvariantCulture, $"At {LossRate:P2} independent loss")
        : Periodic ? string.Create(CultureInfo.InvariantCulture, $"At {LossRate:P2} loss in bursts of {Burst} packets every {Period}")
        : string.Create(CultureInfo.InvariantCulture, $"At {LossRate:P2} loss in random bursts of {Burst} packets on average");

    public string Assumption() =>
        Independent ? "loss: each packet is lost independently with the given probability"
        : Periodic ? "loss: fixed bursts of the given length, one every burst / loss packets (as nftables' numgen inc mod P < B makes them), at an unknown phase; nothing else is lost"
        : "loss: random bursts (simple Gilbert model): the link flips to a lossy state with a probability that gives the loss rate, and stays there for the given mean burst length (geometric)";

    /// <summary>
    /// The smallest repair count r ≤ <paramref name="window"/> that keeps a block's pass-1 failure probability at
    /// most <paramref name="perBlockTarget"/>, the smallest interleave depth up to <paramref name="maxDepth"/> that
    /// achieves it, and the block's failure probability there. When no r ≤ W does, r = W at the deepest interleave.
    /// </summary>
    public (int Repair, int Depth, double BlockFailure) Repairs(int k, int window, int maxDepth, double perBlockTarget)
    {
        if (LossRate == 0)
        {
            return (0, 1, 0);
        }

        if (Periodic)
        {
            return PeriodicRepairs(k, window, maxDepth);
        }

        if (Independent)
        {
            // Interleaving cannot help independent loss; r grows the block, so each r is checked with n = k + r.
            for (int r = (int)(LossRate * k); r <= window; r++)
            {
                double failure = FecPlannerLoss.BinomialTail(k + r, LossRate, r + 1);
                if (failure <= perBlockTarget)
                {
                    return (r, 1, failure);
                }
            }

            return (window, 1, FecPlannerLoss.BinomialTail(k + window, LossRate, window + 1));
        }

        // Random bursts: deeper interleaving only helps, so find r at the deepest the memory allows, then the
        // shallowest depth that still holds it. A shape that one long burst already sinks is dropped unsolved.
        if (FecPlannerLoss.BurstLowerBound(k + window, LossRate, Burst, maxDepth, window) > perBlockTarget)
        {
            return (window, maxDepth, FecPlannerLoss.BurstLowerBound(k + window, LossRate, Burst, maxDepth, window));
        }

        // r from a block of k + W symbols (at least as many as it will send), then again from k + r until it settles.
        int repair = window;
        for (int length = k + window; ;)
        {
            double[] tail = FecPlannerLoss.LossTail(length, LossRate, Burst, maxDepth, repair);
            int fewer = Array.FindIndex(tail, t => t <= perBlockTarget);
            if (fewer < 0)
            {
                return (window, maxDepth, tail[repair]);
            }

            if (fewer == repair && length == k + repair)
            {
                break;
            }

            repair = fewer;
            length = k + repair;
        }

        int low = 1;
        int high = maxDepth;
        while (low < high)
        {
            int middle = (low + high) / 2;
            if (BurstFailure(k, repair, middle) <= perBlockTarget)
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return (repair, low, BurstFailure(k, repair, low));
    }

    /// <summary>
    /// The shape with its block failure computed exactly: shapes that could not reach the target may carry only the
    /// lower bound they were dropped on.
    /// </summary>
    public LargeBlockShape Exactly(LargeBlockShape shape)
    {
        if (Periodic || Independent || LossRate == 0)
        {
            return shape;
        }

        double block = BurstFailure(shape.K, shape.Repair, shape.Depth);
        double blocks = Math.Ceiling(1e9 / ((double)shape.K * shape.Symbol));
        return shape with { BlockFailure = block, GigabyteFailure = Math.Min(1, blocks * block) };
    }

    private double BurstFailure(int k, int repair, int depth) => FecPlannerLoss.LossTail(k + repair, LossRate, Burst, depth, repair)[repair];

    /// <summary>Fixed bursts: r is the worst case over every phase, which r itself (the block's length) feeds back into.</summary>
    private (int Repair, int Depth, double BlockFailure) PeriodicRepairs(int k, int window, int maxDepth)
    {
        int bestRepair = int.MaxValue;
        int bestDepth = maxDepth;
        for (int depth = 1; depth <= maxDepth; depth++)
        {
            int repair = FecPlannerLoss.PeriodicWorstCase(k + window, depth, Burst, Period);
            if (repair > window)
            {
                continue;
            }

            // Fewer repairs make the block shorter, which can only lower its worst case.
            for (int shorter = FecPlannerLoss.PeriodicWorstCase(k + repair, depth, Burst, Period); shorter < repair;)
            {
                repair = shorter;
                shorter = FecPlannerLoss.PeriodicWorstCase(k + repair, depth, Burst, Period);
            }

            if (repair < bestRepair)
            {
                bestRepair = repair;
                bestDepth = depth;
            }
        }

        return bestRepair <= window ? (bestRepair, bestDepth, 0) : (window, maxDepth, 1);
    }
}

using System.Globalization;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp;

/// <summary>
/// What is this? The sizing aid behind <c>sync-outside fec-plan</c>: pure math, no I/O.
/// <para><see cref="Plan"/>, for the GF(2^8) code (k ≤ 255): packets are lost with probability p in bursts of about b
/// packets. Interleaving over N blocks turns a burst into c = ceil(b / N) lost symbols per block, so a block of
/// n = k + r symbols sees X ~ Binomial(ceil(n / c), p) loss events costing c symbols each, and fails pass 1 when
/// c·X &gt; r. The planner takes the interleave depth from the burst length and the smallest r that keeps a 1 GB
/// object's pass-1 failure probability below 1e-9.</para>
/// <para><see cref="PlanLargeBlocks"/>, for the GF(2^16) code: searches block shapes (a domain N = 2^10..2^16, a
/// first-pass repair window W, k = N - W data symbols) and interleave depths that fit a memory budget on each side,
/// and picks the lowest overhead whose 1 GB pass-1 failure probability (union bound over the blocks) stays below
/// the target, under independent loss, random bursts (Gilbert) or fixed periodic bursts (<see cref="FecPlannerLoss"/>).</para>
/// </summary>
public static class FecPlanner
{
    /// <summary>Target chance that pass 1 leaves a 1 GB object incomplete.</summary>
    public const double TargetGigabyteFailure = 1e-9;

    public const int MinInterleave = 64;
    public const int MaxInterleave = 1024;

    public static FecPlan Plan(double lossRate, int burstPackets, long rateBitsPerSecond, int mtu, int dataSymbolsPerBlock = 128)
    {
        CheckLink(lossRate, burstPackets, rateBitsPerSecond, mtu);

        int k = dataSymbolsPerBlock;
        if (k < 1 || k >= FecCodes.SymbolSpace(FecCode.ReedSolomon8))
        {
            throw new ArgumentOutOfRangeException(nameof(dataSymbolsPerBlock), k, "k must be 1..255");
        }

        int datagram = mtu - PacketCodec.IpUdpOverhead;
        int symbol = datagram - PacketCodec.HeaderSize - PacketCodec.TrailerSize(mac: false);
        int interleave = (int)Math.Clamp(System.Numerics.BitOperations.RoundUpToPowerOf2((uint)burstPackets), MinInterleave, MaxInterleave);
        int perBurst = (burstPackets + interleave - 1) / interleave;
        double blocksPerGigabyte = Math.Ceiling(1e9 / ((double)k * symbol));

        int maxRepair = FecCodes.SymbolSpace(FecCode.ReedSolomon8) - k;
        int repair = maxRepair;
        double gigabyteFailure = 1;
        for (int r = lossRate == 0 ? 0 : 1; r <= maxRepair; r++)
        {
            double p = GigabyteFailure(lossRate, k, r, perBurst, blocksPerGigabyte);
            if (p <= TargetGigabyteFailure || r == maxRepair)
            {
                repair = r;
                gigabyteFailure = p;
                break;
            }
        }

        double overhead = (double)repair / k;
        double goodput = rateBitsPerSecond * ((double)symbol / (datagram + PacketCodec.IpUdpOverhead)) * k / (k + repair);
        var c = CultureInfo.InvariantCulture;
        string reached = gigabyteFailure <= TargetGigabyteFailure
            ? string.Create(c, $"the smallest r that keeps it below {TargetGigabyteFailure:G1}")
            : string.Create(c, $"the most k={k} allows; the target {TargetGigabyteFailure:G1} is out of reach, so count on later passes (each resends k+r fresh symbols per block) or lower k");
        string explanation = string.Create(c,
            $"At {lossRate:P2} loss in bursts of ~{burstPackets} packets: interleave {interleave} blocks so a burst costs each block at most {perBurst} symbol(s); " +
            $"k={k} data + r={repair} repair symbols per block ({overhead:P1} overhead) gives a 1 GB object ({blocksPerGigabyte:F0} blocks of {symbol}-byte symbols) " +
            $"a pass-1 failure probability of {gigabyteFailure:G3}, {reached}. Goodput about {goodput / 1e6:F1} Mbit/s of object data at {rateBitsPerSecond / 1e6:F1} Mbit/s on the wire " +
            $"(IPv4+UDP+header+checksum counted, no MAC). Sender memory about {SenderWindowMemory(interleave, k, repair, symbol, datagram) / 1048576:F0} MiB for window buffers.");
        return new FecPlan(overhead, repair, interleave, goodput, gigabyteFailure, explanation);
    }

    /// <summary>What the sender's window buffers take: three windows, or two once one exceeds 64 MiB (see SendSession).</summary>
    internal static double SenderWindowMemory(int interleave, int k, int repair, int symbol, int datagram)
    {
        double window = interleave * (k * (double)symbol + (k + repair) * (double)datagram);
        return window * (window <= 64 << 20 ? 3 : 2);
    }

    /// <summary>P(a 1 GB object has a block with more than r lost symbols) under the burst model in the class summary.</summary>
    internal static double GigabyteFailure(double lossRate, int k, int repair, int perBurst, double blocks)
    {
        int events = (k + repair + perBurst - 1) / perBurst;
        int tolerated = repair / perBurst;
        double block = FecPlannerLoss.BinomialTail(events, lossRate, tolerated + 1);
        // 1 - (1 - block)^blocks, kept accurate when block is tiny (where 1 - block rounds to 1).
        double exponent = block < 1e-6 ? -block * (1 + block / 2) * blocks : blocks * Math.Log(1 - block);
        double gigabyte = exponent > -1e-6 ? -exponent * (1 + exponent / 2) : 1 - Math.Exp(exponent);
        return double.IsFinite(gigabyte) ? Math.Clamp(gigabyte, 0, 1) : 1;
    }

    /// <summary>What each side may spend on the carrier's window of blocks and on the codec, unless told otherwise.</summary>
    public const long DefaultMemoryBudgetBytes = 128L << 20;

    /// <summary>Domains the large-block planner tries: 1024 .. 65,536 points.</summary>
    private const int MinDomainLog2 = 10;

    private const int MaxDomainLog2 = 16;

    /// <summary>
    /// Plans the GF(2^16) code (<c>Sync.Fec.ReedSolomon16Codec</c>) for a link. The symbol size is the largest multiple
    /// of 64 bytes that fits the MTU (1408 at MTU 1500, with or without a MAC); k, r and the interleave depth are
    /// searched. <paramref name="burstPackets"/> of 1 means independent loss; above 1 it is the mean length of random
    /// bursts, or with <paramref name="periodicBursts"/> the length of bursts that come every burst / loss packets.
    /// </summary>
    public static FecPlan PlanLargeBlocks(
        double lossRate, int burstPackets, long rateBitsPerSecond, int mtu, bool periodicBursts = false, bool mac = false,
        long memoryBudgetBytes = DefaultMemoryBudgetBytes)
    {
        CheckLink(lossRate, burstPackets, rateBitsPerSecond, mtu);

        int symbol = LargeBlockSymbolSize(mtu, mac);
        if (memoryBudgetBytes < MinimumMemory(symbol, mac))
        {
            // No parameter name in the message: fec-plan prints it as the one line an operator reads.
            throw new ArgumentOutOfRangeException(
                paramName: null, $"a memory budget of at least {MinimumMemory(symbol, mac) >> 20} MiB per side is needed for the smallest GF(2^16) block");
        }

        var link = new LinkModel(lossRate, burstPackets, periodicBursts);
        LargeBlockShape? best = null;
        LargeBlockShape? closest = null;
        for (int log2 = MinDomainLog2; log2 <= MaxDomainLog2; log2++)
        {
            int domain = 1 << log2;
            foreach (LargeBlockShape shape in ShapesFor(domain, symbol, mac, memoryBudgetBytes, link))
            {
                if (shape.GigabyteFailure <= TargetGigabyteFailure)
                {
                    if (best is null || shape.Overhead < best.Overhead || (shape.Overhead == best.Overhead && shape.SenderMemory < best.SenderMemory))
                    {
                        best = shape;
                    }

                    break; // a larger window for this domain only costs more
                }

                if (closest is null || shape.GigabyteFailure < closest.GigabyteFailure)
                {
                    closest = shape;
                }
            }
        }

        LargeBlockShape chosen = best ?? link.Exactly(closest ?? throw new InvalidOperationException("no block shape fits the memory budget"));
        return Describe(chosen, link, rateBitsPerSecond, mtu, mac, memoryBudgetBytes, reached: best is not null);
    }

    private static void CheckLink(double lossRate, int burstPackets, long rateBitsPerSecond, int mtu)
    {
        if (!(lossRate >= 0 && lossRate < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(lossRate), lossRate, "loss rate must be in [0, 1)");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(burstPackets, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rateBitsPerSecond, 1);
        if (mtu is < UdpSendOptions.MinMtu or > UdpSendOptions.MaxMtu)
        {
            throw new ArgumentOutOfRangeException(nameof(mtu), mtu, $"MTU must be {UdpSendOptions.MinMtu}..{UdpSendOptions.MaxMtu}");
        }
    }

    /// <summary>The largest multiple of 64 bytes that fits a datagram's payload at this MTU (IPv4; 20 bytes less on IPv6).</summary>
    internal static int LargeBlockSymbolSize(int mtu, bool mac) =>
        (mtu - PacketCodec.IpUdpOverhead - PacketCodec.HeaderSize - PacketCodec.TrailerSize(mac)) / 64 * 64;

    /// <summary>
    /// Memory model, stated in the plan, of what the carrier holds (SendSession, WindowBuilder, ReceiveSession): the
    /// sender keeps two windows of datagrams, <paramref name="depth"/> blocks of at most k + W each (one being sent,
    /// the next being encoded), one block of data being encoded, and the codec's scratch for a pass past the second
    /// (2N + W slots of symbol + 64 bytes). The receiver buffers one window of data symbols, and decodes one block at a
    /// time: its data and repairs (2k symbols) and a decode domain that may reach 2N when a block needs a later
    /// pass's repairs (2N slots).
    /// </summary>
    internal static (long Sender, long Receiver) LargeBlockMemory(int depth, int k, int window, int domain, int symbol, bool mac)
    {
        long datagram = PacketCodec.DatagramSize(symbol, mac);
        long blockData = (long)k * symbol;
        long sender = 2L * depth * (k + window) * datagram + blockData + (2L * domain + window) * (symbol + 64);
        long receiver = depth * blockData + 2 * blockData + 2L * domain * (symbol + 64);
        return (sender, receiver);
    }

    private static long MinimumMemory(int symbol, bool mac)
    {
        var (sender, receiver) = LargeBlockMemory(1, (1 << MinDomainLog2) - 16, 16, 1 << MinDomainLog2, symbol, mac);
        return Math.Max(sender, receiver);
    }

    /// <summary>
    /// For one domain, the shapes worth trying in order of growing window W (k = N - W): from the smallest power of
    /// two that holds the mean loss, up to N/4. Each comes with its interleave depth, repair count and risk.
    /// </summary>
    private static IEnumerable<LargeBlockShape> ShapesFor(int domain, int symbol, bool mac, long budget, LinkModel link)
    {
        int window = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, (int)Math.Ceiling(link.LossRate * domain)));
        for (; window <= domain / 4; window *= 2)
        {
            int k = domain - window;
            int maxDepth = 0;
            while (maxDepth < 4096)
            {
                var (sender, receiver) = LargeBlockMemory(maxDepth + 1, k, window, domain, symbol, mac);
                if (sender > budget || receiver > budget)
                {
                    break;
                }

                maxDepth++;
            }

            if (maxDepth == 0)
            {
                yield break;
            }

            double blocks = Math.Ceiling(1e9 / ((double)k * symbol));
            var (repair, depth, blockFailure) = link.Repairs(k, window, maxDepth, TargetGigabyteFailure / blocks);
            var (senderMemory, receiverMemory) = LargeBlockMemory(depth, k, window, domain, symbol, mac);
            yield return new LargeBlockShape(domain, window, k, repair, depth, symbol, blockFailure, Math.Min(1, blocks * blockFailure), senderMemory, receiverMemory);
        }
    }

    private static FecPlan Describe(LargeBlockShape shape, LinkModel link, long rate, int mtu, bool mac, long budget, bool reached)
    {
        int wire = shape.Symbol + PacketCodec.HeaderSize + PacketCodec.TrailerSize(mac) + PacketCodec.IpUdpOverhead;
        double goodput = rate * ((double)shape.Symbol / wire) * shape.K / (shape.K + shape.Repair);
        var c = CultureInfo.InvariantCulture;
        string risk = link.Periodic
            ? string.Create(c, $"no block can lose more than {shape.Repair} symbols in one pass whatever the bursts' phase, so none fails")
            : string.Create(c, $"a block fails pass 1 with probability {shape.BlockFailure:G3}, a 1 GB object ({Math.Ceiling(1e9 / ((double)shape.K * shape.Symbol)):F0} blocks) at most {shape.GigabyteFailure:G3}");
        string reachedText = reached
            ? string.Create(c, $"the lowest overhead that keeps a GB's pass-1 failure below {TargetGigabyteFailure:G1} within {budget >> 20} MiB per side")
            : string.Create(c, $"the target {TargetGigabyteFailure:G1} per GB is out of reach within {budget >> 20} MiB per side; count on later passes (each sends k + r fresh repairs per block) or allow more memory");
        string explanation = string.Create(c,
            $"{link.Describe()}: GF(2^16) blocks of k={shape.K} data + r={shape.Repair} repair symbols of {shape.Symbol} bytes " +
            $"(domain {shape.Domain}, first-pass window {shape.Window}), {shape.Overhead:P2} overhead, interleaved over {shape.Depth} block(s) " +
            $"({(long)shape.Depth * (shape.K + shape.Repair)} packets between a block's first and last symbol); {risk}; {reachedText}. " +
            $"Goodput about {goodput / 1e6:F1} Mbit/s of object data at {rate / 1e6:F1} Mbit/s on the wire (IPv4+UDP+header+checksum{(mac ? "+MAC" : "")} counted). " +
            $"Memory about {shape.SenderMemory / 1048576.0:F0} MiB on the sender, {shape.ReceiverMemory / 1048576.0:F0} MiB on the receiver.");
        string[] assumptions =
        [
            link.Assumption(),
            "interleaving sends one symbol of each of the window's blocks in turn, so a block's symbols leave `interleave` packets apart",
            string.Create(c, $"symbols of {shape.Symbol} bytes: the largest multiple of 64 that fits the payload at MTU {mtu} (IPv4{(mac ? ", with MAC" : "")})"),
            "a GB's failure probability is the union bound over its blocks (no independence assumed); a block that fails pass 1 is completed by later passes",
            "memory: the sender holds two windows of datagrams, k + W per block (one sending, one encoding), one block of data and the codec's scratch for a third or later pass, (2N + W) x (symbol + 64) bytes; the receiver one window of data, one block's data and repairs, and a decode domain of up to 2N slots of symbol + 64 bytes (the per-block state of the whole object, 8 KiB a block, comes on top)",
        ];
        return new FecPlan((double)shape.Repair / shape.K, shape.Repair, shape.Depth, goodput, shape.GigabyteFailure, explanation)
        {
            LargeBlocks = true,
            DataSymbolsPerBlock = shape.K,
            FirstPassWindow = shape.Window,
            SymbolSize = shape.Symbol,
            BlockFailureProbability = shape.BlockFailure,
            SenderMemoryBytes = shape.SenderMemory,
            ReceiverMemoryBytes = shape.ReceiverMemory,
            Assumptions = assumptions,
        };
    }

    private sealed record LargeBlockShape(
        int Domain, int Window, int K, int Repair, int Depth, int Symbol, double BlockFailure, double GigabyteFailure, long SenderMemory, long ReceiverMemory)
    {
        public double Overhead => (double)Repair / K;
    }

    /// <summary>The link as the planner models it: loss rate, burst length, and whether bursts are random or periodic.</summary>
    private sealed record LinkModel(double LossRate, int Burst, bool Periodic)
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
}

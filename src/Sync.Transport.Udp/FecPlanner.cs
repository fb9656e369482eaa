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

    /// <summary>The GF(2^8) interleave depth at MTU 1500 (see <see cref="DefaultInterleave"/>).</summary>
    public const int StandardInterleave = 64;

    public const int MaxInterleave = 1024;

    /// <summary>The datagram at MTU 1500 over IPv4, whose <see cref="StandardInterleave"/> windows the default keeps.</summary>
    private const int StandardDatagram = 1500 - PacketCodec.IpUdpOverhead;

    /// <summary>
    /// The GF(2^8) interleave depth when none is given: 64 blocks at MTU 1500 and below; with larger datagrams fewer
    /// (a power of two), so a window holds about the bytes 64 blocks hold at MTU 1500 (8 at MTU 9000).
    /// </summary>
    /// <remarks>
    /// A burst on a link lasts a time, and at one rate the same time is the same bytes: 64 datagrams at MTU 1500 are
    /// about as long on the wire as 10 at MTU 9000, so the shallower depth spreads a burst as well. A window's bytes are
    /// what each side holds and touches per window; with 64 blocks of jumbo datagrams (73 MB) the receiver's decode loop
    /// worked outside the CPU's cache and fell behind the socket (docs/udp.md, line rate).
    /// </remarks>
    public static int DefaultInterleave(int mtu)
    {
        int datagram = Math.Max(1, mtu - PacketCodec.IpUdpOverhead);
        int fits = Math.Max(1, StandardInterleave * StandardDatagram / datagram);
        return Math.Min(StandardInterleave, 1 << System.Numerics.BitOperations.Log2((uint)fits));
    }

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
        int interleave = (int)Math.Clamp(System.Numerics.BitOperations.RoundUpToPowerOf2((uint)burstPackets), DefaultInterleave(mtu), MaxInterleave);
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
        return LargeBlockPlanReport.Describe(chosen, link, rateBitsPerSecond, mtu, mac, memoryBudgetBytes, reached: best is not null);
    }

    private static void CheckLink(double lossRate, int burstPackets, long rateBitsPerSecond, int mtu)
    {
        if (!(lossRate >= 0 && lossRate < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(lossRate), lossRate, "loss rate must be in [0, 1)");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(burstPackets, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(rateBitsPerSecond, 1);
        if (mtu is < UdpSendValidation.MinMtu or > UdpSendValidation.MaxMtu)
        {
            throw new ArgumentOutOfRangeException(nameof(mtu), mtu, $"MTU must be {UdpSendValidation.MinMtu}..{UdpSendValidation.MaxMtu}");
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
}

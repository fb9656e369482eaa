using System.Globalization;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp;

/// <summary>
/// What is this? The sizing aid behind <c>sync-outside fec-plan</c>: pure math, no I/O.
/// Model: packets are lost with probability p in bursts of about b packets. Interleaving over N blocks turns a burst
/// into c = ceil(b / N) lost symbols per block, so a block of n = k + r symbols sees X ~ Binomial(ceil(n / c), p)
/// loss events costing c symbols each, and fails pass 1 when c·X > r. The planner takes the interleave depth from
/// the burst length and the smallest r that keeps a 1 GB object's pass-1 failure probability below 1e-9.
/// </summary>
public static class FecPlanner
{
    /// <summary>Target chance that pass 1 leaves a 1 GB object incomplete.</summary>
    public const double TargetGigabyteFailure = 1e-9;

    public const int MinInterleave = 64;
    public const int MaxInterleave = 1024;

    public static FecPlan Plan(double lossRate, int burstPackets, long rateBitsPerSecond, int mtu, int dataSymbolsPerBlock = 128)
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

        int k = dataSymbolsPerBlock;
        if (k is < 1 or >= ObjectLayout.SymbolSpace)
        {
            throw new ArgumentOutOfRangeException(nameof(dataSymbolsPerBlock), k, "k must be 1..255");
        }

        int datagram = mtu - PacketCodec.IpUdpOverhead;
        int symbol = datagram - PacketCodec.HeaderSize - PacketCodec.TrailerSize(mac: false);
        int interleave = (int)Math.Clamp(System.Numerics.BitOperations.RoundUpToPowerOf2((uint)burstPackets), MinInterleave, MaxInterleave);
        int perBurst = (burstPackets + interleave - 1) / interleave;
        double blocksPerGigabyte = Math.Ceiling(1e9 / ((double)k * symbol));

        int maxRepair = ObjectLayout.SymbolSpace - k;
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
        double block = BinomialTail(events, lossRate, tolerated + 1);
        // 1 - (1 - block)^blocks, kept accurate when block is tiny (where 1 - block rounds to 1).
        double exponent = block < 1e-6 ? -block * (1 + block / 2) * blocks : blocks * Math.Log(1 - block);
        double gigabyte = exponent > -1e-6 ? -exponent * (1 + exponent / 2) : 1 - Math.Exp(exponent);
        return double.IsFinite(gigabyte) ? Math.Clamp(gigabyte, 0, 1) : 1;
    }

    /// <summary>P(X ≥ <paramref name="atLeast"/>) for X ~ Binomial(<paramref name="n"/>, <paramref name="p"/>), summed in log space.</summary>
    internal static double BinomialTail(int n, double p, int atLeast)
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
        double logChoose = 0; // log C(n, x), built up from x = 0
        double tail = 0;
        for (int x = 0; x <= n; x++)
        {
            if (x > 0)
            {
                logChoose += Math.Log(n - x + 1) - Math.Log(x);
            }

            if (x >= atLeast)
            {
                tail += Math.Exp(logChoose + x * logP + (n - x) * logQ);
            }
        }

        return Math.Clamp(tail, 0, 1);
    }
}

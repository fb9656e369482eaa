using System.Globalization;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Turns the block shape <see cref="FecPlanner.PlanLargeBlocks"/> chose into the plan an operator reads: the figures,
/// a one-paragraph explanation and the assumptions behind them. The search itself stays in the planner.
/// </summary>
internal static class LargeBlockPlanReport
{
public static FecPlan Describe(LargeBlockShape shape, LinkModel link, long rate, int mtu, bool mac, long budget, bool reached)
{
    int wire = shape.Symbol + PacketCodec.HeaderSize + PacketCodec.TrailerSize(mac) + PacketCodec.IpUdpOverhead;
    double goodput = rate * ((double)shape.Symbol / wire) * shape.K / (shape.K + shape.Repair);
    var c = CultureInfo.InvariantCulture;
    string risk = link.Periodic
        ? string.Create(c, $"no block can lose more than {shape.Repair} symbols in one pass whatever the bursts' phase, so none fails")
        : string.Create(c, $"a block fails pass 1 with probability {shape.BlockFailure:G3}, a 1 GB object ({Math.Ceiling(1e9 / ((double)shape.K * shape.Symbol)):F0} blocks) at most {shape.GigabyteFailure:G3}");
    string reachedText = reached
        ? string.Create(c, $"the lowest overhead that keeps a GB's pass-1 failure below {FecPlanner.TargetGigabyteFailure:G1} within {budget >> 20} MiB per side")
        : string.Create(c, $"the target {FecPlanner.TargetGigabyteFailure:G1} per GB is out of reach within {budget >> 20} MiB per side; count on later passes (each sends k + r fresh repairs per block) or allow more memory");
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
}

namespace Sync.Transport.Udp;

/// <summary>
/// A sizing suggestion from <see cref="FecPlanner"/>. <see cref="GigabyteFailureProbability"/> is the chance that
/// at least one block of a 1 GB object cannot be rebuilt from pass 1 alone (later passes then fill it).
/// </summary>
public sealed record FecPlan(double FecOverhead, int RepairSymbolsPerBlock, int Interleave, double GoodputBitsPerSecond, double GigabyteFailureProbability, string Explanation);

namespace Sync.Transport.Udp;

/// <summary>
/// A sizing suggestion from <see cref="FecPlanner"/>. <see cref="GigabyteFailureProbability"/> is the chance that
/// at least one block of a 1 GB object cannot be rebuilt from pass 1 alone (later passes then fill it). The
/// init-only properties are filled in by <see cref="FecPlanner.PlanLargeBlocks"/>.
/// </summary>
public sealed record FecPlan(double FecOverhead, int RepairSymbolsPerBlock, int Interleave, double GoodputBitsPerSecond, double GigabyteFailureProbability, string Explanation)
{
    /// <summary>True for the GF(2^16) code (<c>Sync.Fec.ReedSolomon16Codec</c>), false for GF(2^8).</summary>
    public bool LargeBlocks { get; init; }

    /// <summary>k for the GF(2^16) code (the GF(2^8) plan keeps the k it was given).</summary>
    public int DataSymbolsPerBlock { get; init; }

    /// <summary>The GF(2^16) codec's first-pass repair window W: construct it with (k, r) and it rounds r up to this.</summary>
    public int FirstPassWindow { get; init; }

    /// <summary>The symbol size the plan assumes (GF(2^16): a multiple of 64).</summary>
    public int SymbolSize { get; init; }

    /// <summary>The chance that one block fails pass 1.</summary>
    public double BlockFailureProbability { get; init; }

    public long SenderMemoryBytes { get; init; }

    public long ReceiverMemoryBytes { get; init; }

    /// <summary>What the figures assume, one statement each, for an operator to check against the link.</summary>
    public IReadOnlyList<string> Assumptions { get; init; } = [];
}

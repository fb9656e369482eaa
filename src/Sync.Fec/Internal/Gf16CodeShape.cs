using System.Numerics;

namespace Sync.Fec.Internal;

/// <summary>
/// Where a GF(2^16) block's symbols sit among the field points. W (<see cref="Window"/>) is the first pass's repair
/// count rounded up to a power of two and N (<see cref="Domain"/>) the power of two at or above W + k: repairs
/// 0..W-1 sit at positions 0..W-1, data at W..W+k-1, zeros at W+k..N-1, and fresh repairs W, W+1, ... at N, N+1, ...
/// The codeword is the polynomial of degree &lt; N - W through those points.
/// </summary>
internal readonly record struct Gf16CodeShape
{
    public Gf16CodeShape(int dataSymbols, int repairSymbols)
    {
        DataSymbols = dataSymbols;
        Window = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(repairSymbols, 1));
        Domain = (int)BitOperations.RoundUpToPowerOf2((uint)(Window + dataSymbols));
    }

    public int DataSymbols { get; }

    public int Window { get; }

    public int Domain { get; }

    public int MaxRepairSymbols => Window + Gf16.Order - Domain;

    /// <summary>Data chunks of W symbols (the last one zero-padded): one W-point inverse transform each.</summary>
    public int Chunks => (DataSymbols + Window - 1) / Window;

    public int DegreeBound => Domain - Window;

    public int DataPosition(int dataIndex) => Window + dataIndex;

    public int RepairPosition(int repairIndex) => repairIndex < Window ? repairIndex : Domain + repairIndex - Window;
}

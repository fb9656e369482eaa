namespace Sync.Fec.Internal;

/// <summary>
/// How wide a column strip is: encode and decode walk the symbols strip by strip so the scratch rows being
/// accumulated (one per output) stay in L1 while every input streams through once.
/// </summary>
internal static class StripPlan
{
    /// <summary>Half of a 32 KiB L1 data cache, leaving the other half to the input strip and the tables.</summary>
    public const int ScratchBudgetBytes = 16 * 1024;

    /// <summary>A strip width, a multiple of 32, such that <paramref name="scratchRows"/> rows fit the budget.</summary>
    public static int Width(int symbolLength, int scratchRows)
    {
        var widest = Math.Max(64, ScratchBudgetBytes / Math.Max(1, scratchRows) & ~63);
        var strips = (symbolLength + widest - 1) / widest;
        return RoundUpToVector((symbolLength + strips - 1) / strips);
    }

    public static int RoundUpToVector(int length) => (length + StripKernel.VectorBytes - 1) & ~(StripKernel.VectorBytes - 1);
}

using Sync.Core.Export;

namespace Sync.Engine.Outside;

/// <summary>
/// What a carrier learned or did before the scan: what an answering inside holds (the delta is then planned against
/// it rather than the last emission), a report that ends the sync before anything is planned (the inside answered
/// that it is busy), and a line for the operator (an owed index delivered again).
/// </summary>
public sealed record CarrierStart(InsideHoldings? Holdings = null, CarrierReport? Ended = null, string? Note = null)
{
    /// <summary>Nothing answers and nothing was owed.</summary>
    public static CarrierStart Nothing { get; } = new();
}

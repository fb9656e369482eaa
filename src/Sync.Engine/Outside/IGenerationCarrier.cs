using Sync.Core;
using Sync.Core.Export;

namespace Sync.Engine.Outside;

/// <summary>
/// What a carrier (file drop, UDP, gRPC) does for the <see cref="GenerationPublisher"/>: the engine opens the state,
/// scans, plans, commits and reports; a carrier only moves one prepared generation and says how that went. Calls
/// come one at a time, in this order: <see cref="StartAsync"/>, then <see cref="UpToDateAsync"/> or
/// <see cref="EmitAsync"/>; <see cref="AbortAsync"/> when the engine itself gave up in between.
/// </summary>
public interface IGenerationCarrier
{
    /// <summary>When what this carrier emitted becomes the base of the next delta.</summary>
    CommitPolicy Policy { get; }

    /// <summary>
    /// With the state open, before the scan: learn what an answering inside holds, or finish what an interrupted run
    /// still owes this carrier (a file drop's sealed index).
    /// </summary>
    Task<CarrierStart> StartAsync(OutsideState state, CancellationToken cancellationToken);

    /// <summary>Nothing changed since the base: tell an answering inside so, and say what was not done.</summary>
    Task<CarrierReport> UpToDateAsync(ExportSummary summary, CancellationToken cancellationToken);

    /// <summary>
    /// Moves the generation. Before any of it can be seen by an inside, record the carrier's own copy through
    /// <paramref name="record"/>; once it can be, say so (<see cref="EmissionRecord.Visible"/>). A failure before that
    /// abandons the generation (its number stays used); after it, the next run resolves it from the record.
    /// </summary>
    Task<CarrierReport> EmitAsync(PreparedExport prepared, EmissionRecord record, OperationProgress progress, CancellationToken cancellationToken);

    /// <summary>The engine gave up (state, scan or plan failed): tell an answering inside why. Best effort; never throws.</summary>
    Task AbortAsync(SyncException reason, CancellationToken cancellationToken);
}

using Sync.Core;
using Sync.Core.Export;
using Sync.Engine.Outside;
using Sync.Testing.Streams;

namespace Sync.Engine.Tests.Outside;

/// <summary>
/// A carrier in memory with the commit policy it is given: it keeps the frames, records the emission the way the real
/// carrier of that policy does (a sealed index copy, a spool file in the state directory, a record before the first
/// frame), and fails where a test asks it to.
/// </summary>
internal sealed class FakeCarrier(CommitPolicy policy) : IGenerationCarrier
{
    private OutsideState? _state;

    public CommitPolicy Policy => policy;

    /// <summary>Returned by <see cref="StartAsync"/>; given the open state, for holdings built from it.</summary>
    public Func<OutsideState, CarrierStart> Start { get; init; } = _ => CarrierStart.Nothing;

    /// <summary>What an answering inside says to an emission (given its target generation) or to "up to date".</summary>
    public Func<long, InsideAnswer>? Answer { get; init; }

    /// <summary>Throw after recording, before the copy is visible.</summary>
    public bool FailBeforeVisible { get; init; }

    /// <summary>Throw after the copy is visible.</summary>
    public bool FailAfterVisible { get; init; }

    /// <summary>Record the way another policy's carrier would (a carrier bug).</summary>
    public CommitPolicy? RecordAs { get; init; }

    public MemoryDeltaStream Frames { get; } = new();

    public int Emitted { get; private set; }

    public int UpToDateCalls { get; private set; }

    public List<SyncException> Aborted { get; } = [];

    public Task<CarrierStart> StartAsync(OutsideState state, CancellationToken cancellationToken)
    {
        _state = state;
        return Task.FromResult(Start(state));
    }

    public Task<CarrierReport> UpToDateAsync(ExportSummary summary, CancellationToken cancellationToken)
    {
        UpToDateCalls++;
        return Task.FromResult(new CarrierReport("nothing to do", Answer?.Invoke(summary.Generation)));
    }

    public async Task<CarrierReport> EmitAsync(PreparedExport prepared, EmissionRecord record, OperationProgress progress, CancellationToken cancellationToken)
    {
        Emitted++;
        var generation = prepared.Header.TargetGeneration;
        switch (RecordAs ?? policy)
        {
            case CommitPolicy.OnIndexWritten:
                await prepared.EmitAsync(Frames, progress, cancellationToken);
                record.BundleSealed($"sync-g{generation:D8}.index", [1, 2, 3]);
                break;
            case CommitPolicy.OnSent:
                await prepared.EmitAsync(Frames, progress, cancellationToken);
                var spool = Path.Combine(_state!.Root, "spool", $"g{generation:D8}.stream");
                record.Spooled(spool);
                Directory.CreateDirectory(Path.GetDirectoryName(spool)!);
                if (!FailBeforeVisible)
                {
                    await File.WriteAllBytesAsync(spool, [1, 2, 3], cancellationToken);
                }

                break;
            case CommitPolicy.OnAcknowledged:
                record.Sending();
                await prepared.EmitAsync(Frames, progress, cancellationToken);
                break;
        }

        if (FailBeforeVisible)
        {
            throw new IOException("the medium failed before the copy was visible");
        }

        if (policy != CommitPolicy.OnAcknowledged)
        {
            record.Visible();
        }

        if (FailAfterVisible)
        {
            throw new IOException("the medium failed after the copy was visible");
        }

        return new CarrierReport($"{Frames.Frames.Count} frames moved", Answer?.Invoke(generation)) { Suffix = "; done", Details = ["a detail line"] };
    }

    public Task AbortAsync(SyncException reason, CancellationToken cancellationToken)
    {
        Aborted.Add(reason);
        return Task.CompletedTask;
    }
}

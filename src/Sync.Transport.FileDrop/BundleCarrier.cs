using System.Globalization;
using Sync.Core;
using Sync.Core.Export;
using Sync.Core.Trust;
using Sync.Engine.Outside;

namespace Sync.Transport.FileDrop;

/// <summary>
/// The file-drop carrier as the outside's engine drives it (`sync-outside export`): one generation becomes one bundle
/// in the drop folder, recorded in the outside's state just before its index is renamed into place. Nothing answers,
/// so a bundle whose index is there counts as delivered; an index an interrupted export sealed is written again first.
/// </summary>
/// <param name="dropDirectory">An existing folder.</param>
/// <param name="key">Signs each bundle's index; not disposed here.</param>
/// <param name="volumeSize">The largest part.</param>
/// <param name="keepGenerations">When above 0, bundles of older generations than the newest this many are removed after each export (<see cref="DropFolderPruner"/>).</param>
public sealed class BundleCarrier(string dropDirectory, SigningKey key, long volumeSize, int keepGenerations = 0) : IGenerationCarrier
{
    public CommitPolicy Policy => CommitPolicy.OnIndexWritten;

    public Task<CarrierStart> StartAsync(OutsideState state, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (state.OwedIndex is not { } owed)
        {
            return Task.FromResult(CarrierStart.Nothing);
        }

        var written = BundleWriter.Redeliver(dropDirectory, new SealedIndex(owed.Name, owed.Bytes));
        state.IndexRedelivered();
        return Task.FromResult(new CarrierStart(Note: written
            ? $"wrote index {owed.Name} again: its export was interrupted just before or after it was first written (an inside that has it skips it)"
            : $"index {owed.Name} of an interrupted export is in the drop folder"));
    }

    public Task<CarrierReport> UpToDateAsync(ExportSummary summary, CancellationToken cancellationToken) =>
        Task.FromResult(new CarrierReport("nothing changed since the last export; no bundle written"));

    public async Task<CarrierReport> EmitAsync(PreparedExport prepared, EmissionRecord record, OperationProgress progress, CancellationToken cancellationToken)
    {
        await using var writer = BundleWriter.Create(dropDirectory, key, volumeSize);
        await prepared.EmitAsync(writer, progress, cancellationToken).ConfigureAwait(false);
        BundleInfo info;
        try
        {
            // Recorded (durably, with the index bytes) before the index can be seen, let alone carried away.
            info = await writer.CompleteAsync(index => record.BundleSealed(index.IndexName, index.Bytes), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (writer.IsComplete)
            {
                record.Visible();
            }
        }

        var (pruned, prunedBytes) = keepGenerations > 0 ? DropFolderPruner.Prune(dropDirectory, keepGenerations) : (0, 0L);
        return new CarrierReport(string.Create(CultureInfo.InvariantCulture,
            $"{info.TotalBytes} bytes written ({ByteCount.Format(info.TotalBytes)}) in {info.PartCount} part(s)"))
        {
            Suffix = $"; index {info.IndexName}",
            Details = pruned == 0 ? [] : [string.Create(CultureInfo.InvariantCulture,
                $"removed {pruned} bundle(s) of generations before the newest {keepGenerations} ({ByteCount.Format(prunedBytes)}; --keep-bundles)")],
        };
    }

    public Task AbortAsync(SyncException reason, CancellationToken cancellationToken) => Task.CompletedTask;
}

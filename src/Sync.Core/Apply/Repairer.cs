using Microsoft.Extensions.Logging;
using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Streams;

namespace Sync.Core.Apply;

/// <summary>
/// Puts a published generation back the way its manifest says, after something on the inside changed or damaged
/// it: every published file is checked (content re-hashed, mode and mtime compared); each one that differs is
/// replaced from an intact copy the inside holds (another published file with the same content, or its own bytes
/// when only its metadata changed); then the generation is published again through the journal (snapshot: a new
/// snapshot of the same generation; in place: the damaged files renamed over). When some content is held intact
/// nowhere, nothing is changed and the outcome names each file that needs it.
/// </summary>
public sealed class Repairer(IWireCodec codec, ILogger logger, TimeProvider time)
{
    private readonly Publisher _publisher = new(logger, time);

    public sealed record Outcome(long Generation, IReadOnlyList<string> Damaged, IReadOnlyList<string> Missing);

    public async Task<Outcome> RepairAsync(
        InsideState state, string target, PublishMode mode, PublishPolicy policy, int keepSnapshots, OperationProgress progress, CancellationToken cancellationToken)
    {
        await _publisher.RecoverAsync(state, target, mode, cancellationToken).ConfigureAwait(false);
        Publisher.CheckTarget(state, target, mode);
        var manifest = state.ParsePublishedManifest(codec, ManifestLimits.Base) ?? throw SyncException.Usage("nothing is published yet: there is nothing to repair");
        var published = state.Published;
        using var layout = new PublishLayout(state, target, mode);
        var tree = layout.Published
            ?? throw new SyncException(SyncErrorKind.Failure, $"the published tree of generation {published.Generation} is gone; restore it, or import a full bundle into a new state directory");

        var reused = ReusedContentCheck.Verify(policy);
        progress.StartPhase("verify", manifest.TotalFileBytes, manifest.Entries.Count);
        var damaged = new List<ManifestEntry>();
        foreach (var file in manifest.Files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            progress.AddItems();
            progress.AddBytes(file.Size);
            if (!await reused.IsIntactAsync(tree, file, cancellationToken).ConfigureAwait(false))
            {
                damaged.Add(file);
            }
        }

        if (damaged.Count == 0)
        {
            state.ClearVerifyRecord();
            return new Outcome(published.Generation, [], []);
        }

        layout.RemoveStaging();
        var sources = new ContentSources(manifest, tree, layout.Objects);
        var missing = new List<string>();
        foreach (var group in damaged.GroupBy(d => d.Digest))
        {
            var copy = await FindIntactCopyAsync(manifest, tree, reused, group.First(), cancellationToken).ConfigureAwait(false);
            if (copy is null)
            {
                missing.AddRange(group.Select(d => d.Path));
                continue;
            }

            await tree.CopyFileAsync(copy.Path, layout.Objects, ContentSources.ObjectPath(copy.Digest), 0x180, cancellationToken).ConfigureAwait(false);
            sources.AddStaged(copy.Digest, copy.Chunks);
        }

        if (missing.Count > 0)
        {
            layout.RemoveStaging();
            return new Outcome(published.Generation, damaged.Select(d => d.Path).ToList(), missing);
        }

        foreach (var entry in damaged)
        {
            CoreLog.Repairing(logger, entry.Path, published.Generation);
        }

        progress.StartPhase("publish");
        var name = mode == PublishMode.Snapshot ? NextRepairName(layout, published.Generation) : Publisher.SnapshotName(published.Generation);
        var request = new PublishRequest(published.Generation, published.ManifestDigest, published.StreamId, manifest, state.PublishedManifestFile, sources, published.SignedBy, name);
        await _publisher.PublishAsync(
            request, manifest, layout, new PublishOptions(policy, reused, keepSnapshots, PublishOptions.DefaultLockTimeout, OverwriteLocalChanges: true), cancellationToken)
            .ConfigureAwait(false);
        state.ClearVerifyRecord();
        return new Outcome(published.Generation, damaged.Select(d => d.Path).ToList(), []);
    }

    /// <summary>A published file holding this content intact: the damaged one itself when only its metadata changed.</summary>
    private static async Task<ManifestEntry?> FindIntactCopyAsync(
        Manifest manifest, IDirectoryTree tree, ReusedContentCheck reused, ManifestEntry damaged, CancellationToken cancellationToken)
    {
        foreach (var candidate in manifest.Files.Where(f => f.Digest == damaged.Digest))
        {
            if (await reused.HasIntactContentAsync(tree, candidate, cancellationToken).ConfigureAwait(false))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Snapshot mode republishes under a new name: the published snapshot stays whole until the switch.</summary>
    private static string NextRepairName(PublishLayout layout, long generation)
    {
        using var snapshots = layout.OpenSnapshots();
        var stem = Publisher.SnapshotName(generation);
        for (var k = 1; ; k++)
        {
            var name = $"{stem}.r{k}";
            if (snapshots.TryStat(name) is null && snapshots.TryStat(name + ".partial") is null)
            {
                return name;
            }
        }
    }
}

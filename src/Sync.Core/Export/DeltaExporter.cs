using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Sync.Core.Delta;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Scanning;
using Sync.Core.Storage;
using Sync.Core.Streams;
using Sync.Core.Trust;

namespace Sync.Core.Export;

/// <summary>
/// The outside's job, carrier-free: scan the source as the next generation, decide for each content the inside
/// lacks whether it travels as missing chunks or as a byte patch (whichever is smaller), and sign the header.
/// The result is emitted into any <see cref="IDeltaSink"/> and committed to the state only once the carrier
/// has made it durable.
/// </summary>
public sealed class DeltaExporter(IWireCodec codec, ILogger logger, TimeProvider time)
{
    private const int PatchOverheadPerOp = 12;

    /// <summary>Scans the source (refreshing the cache) and counts what changed since the last export, without exporting.</summary>
    public async Task<ExportSummary> ScanOnlyAsync(
        string source, OutsideState state, ExportOptions options, OperationProgress progress, CancellationToken cancellationToken)
    {
        var scan = await ScanAsync(source, state, options, progress, cancellationToken).ConfigureAwait(false);
        var exported = state.ParseLastManifest(codec, ManifestLimits.Base, scan.Entries);
        var last = exported ?? Manifest.Empty;
        var (added, changed, removed) = ManifestDiff.CountFiles(last, new Manifest(last.Generation + 1, time.GetUtcNow(), scan.Entries));
        return new ExportSummary(last.Generation, last.Generation, added, changed, removed, 0, 0, 0, scan.FilesHashed, scan.BytesHashed)
        {
            NothingChanged = exported is not null && SameTree(last, scan.Entries),
        };
    }

    /// <summary>Prepares the next generation as a delta from the last one exported (file drop, diode).</summary>
    public Task<PreparedExport> PrepareAsync(
        string source, OutsideState state, SigningKey key, ExportOptions options, OperationProgress progress, CancellationToken cancellationToken) =>
        PrepareAsync(source, state, key, options, holdings: null, progress, cancellationToken);

    /// <summary>
    /// Prepares the next generation. With <paramref name="holdings"/> (an inside that answered), the delta is from
    /// what that inside publishes and skips what it kept from a cut transfer; otherwise from the last export.
    /// </summary>
    public async Task<PreparedExport> PrepareAsync(
        string source, OutsideState state, SigningKey key, ExportOptions options, InsideHoldings? holdings, OperationProgress progress,
        CancellationToken cancellationToken)
    {
        if (options.NumberAbove > state.LastGeneration && state.LastGeneration > 0 && !options.Full && holdings is null)
        {
            throw SyncException.Usage(
                $"--after-generation {options.NumberAbove}: this state last exported generation {state.LastGeneration}, and a delta from it cannot apply on an inside past it; add --full");
        }

        var signatures = state.Signatures;
        var scan = await ScanGuardedAsync(source, state, options, progress, cancellationToken).ConfigureAwait(false);
        // The scan finished on another thread, which would run the rest of this method nested in its own frames: those
        // hold the whole scan result and both scan caches (57 MB on a 600,000-entry mirror) until the export ends.
        await Task.Yield();
        MemoryTrim.AfterPhase(scan.Entries.Count); // the scan's caches and the APT check's tables are garbage now
        // The base: what an answering inside publishes, else the last export, parsed as it is read from the state.
        var published = holdings?.PublishedManifest;
        var parsed = holdings is null
            ? state.ParseLastManifest(codec, ManifestLimits.Base, scan.Entries)
            : published is null ? null : codec.ParseManifest(published, ManifestLimits.Base, scan.Entries);
        var last = parsed ?? Manifest.Empty;
        var baseManifest = options.Full ? Manifest.Empty : last;
        var baseDigest = options.Full || parsed is null ? Digest.Empty : published is null ? state.LastManifestDigest : Digest.Compute(published);
        var held = holdings ?? InsideHoldings.Nothing;
        // The wire keeps milliseconds; round here so a parsed manifest equals the one we signed.
        var now = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());

        if (!options.Full && parsed is not null && SameTree(last, scan.Entries))
        {
            return PreparedExport.Unchanged(new ExportSummary(last.Generation, last.Generation, 0, 0, 0, 0, 0, 0, scan.FilesHashed, scan.BytesHashed) { NothingChanged = true });
        }

        // Taken durably before anything is signed with it: a number is never used twice, whatever happens next.
        var generation = state.AllocateGeneration(Math.Max(holdings?.PublishedGeneration ?? 0, options.NumberAbove));
        var target = new Manifest(generation, now, scan.Entries);
        var manifestFile = state.StageManifest(generation, stream => codec.WriteManifest(target, stream));
        try
        {
            // A delta's manifest travels as a patch against the base's, which the inside holds (it checks its digest).
            // Encoded from the base's block signature (about 10 MB for a 600,000-entry mirror, read from the state's
            // file in slices), before planning, so none of it is held through planning.
            var manifestPatch = baseManifest.Generation == 0 || parsed is null
                ? null
                : await PatchManifestAsync(
                    published is null ? state.LastManifestSignature()! : ManifestPatch.SignatureOf(published), manifestFile, cancellationToken).ConfigureAwait(false);
            var manifestLength = manifestFile.Length;

            // Off this stack: its frame's temporaries still point at the base manifest's signature.
            await Task.Yield();

            MemoryTrim.AfterPhase(target.Entries.Count);
            progress.StartPhase("plan");
            await using var recompress = new RecompressPlanner(source, target, options.Recompress ? options.RecompressMaxPlainBytes : -1, logger);
            var plainPatch = new RecompressPlainPatchPlanner(source, baseManifest, target, state, options.Recompress ? options.RecompressMaxPlainBytes : -1, logger);
            var plans = await PlanAsync(source, baseManifest, held, target, signatures, recompress, plainPatch, progress, cancellationToken).ConfigureAwait(false);
            MemoryTrim.AfterPhase(target.Entries.Count); // the plan's proofs, patches and signatures are done with
            var (added, changed, removed) = ManifestDiff.CountFiles(last, target);
            var payload = plans.Sum(p => p.Cost);
            var header = new DeltaHeader(
                manifestPatch is null ? DeltaHeader.SlicedManifestFormat : DeltaHeader.PatchedManifestFormat,
                RandomNumberGenerator.GetBytes(16),
                generation,
                manifestFile.Digest,
                manifestLength,
                baseManifest.Generation,
                baseDigest,
                now,
                plans.Count,
                payload);
            var signed = key.Sign(codec.SerializeHeader(header));
            var summary = new ExportSummary(
                generation, baseManifest.Generation, added, changed, removed, plans.Count, plans.Count(p => p.IsPatch), payload, scan.FilesHashed, scan.BytesHashed)
            {
                ContentsRecompressed = plans.Count(p => p.IsRecompress),
                ManifestBytes = manifestLength,
                ManifestWireBytes = manifestPatch is null ? manifestLength : ManifestPatch.WireBytes(manifestPatch),
            };
            return new PreparedExport(source, target, manifestFile, header, signed, plans, summary, baseManifest, held.Chunks, manifestPatch);
        }
        catch
        {
            manifestFile.Dispose(); // the state's next open would, but a gRPC serve may prepare many times first
            throw;
        }
    }

    private static async Task<IReadOnlyList<DeltaOp>?> PatchManifestAsync(BlockSignature baseSignature, StagedManifest target, CancellationToken cancellationToken)
    {
        await using var stream = target.OpenRead();
        return await ManifestPatch.EncodeAsync(baseSignature, stream, target.Length, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The guarded scan, without its cache: only the guard's APT check reads the cache, and it is saved by then, so a
    /// mirror's 300,000 cached stats are not held through planning (the async frame would keep the whole result).
    /// </summary>
    private async Task<ScannedTree> ScanGuardedAsync(
        string source, OutsideState state, ExportOptions options, OperationProgress progress, CancellationToken cancellationToken)
    {
        var scan = await new SourceGuard(logger, time)
            .ScanConsistentAsync(source, options, token => ScanAsync(source, state, options, progress, token), cancellationToken)
            .ConfigureAwait(false);
        return new ScannedTree(scan.Entries, scan.FilesHashed, scan.BytesHashed);
    }

    private async Task<ScanResult> ScanAsync(
        string source, OutsideState state, ExportOptions options, OperationProgress progress, CancellationToken cancellationToken)
    {
        var scanner = new TreeScanner(logger);
        var scan = await scanner.ScanAsync(
            source,
            options.Verify ? new ScanCache() : ScanCache.Load(state.ScanCachePath),
            state.Signatures,
            new ScanOptions
            {
                Chunker = options.Chunker, VerifyAll = options.Verify, WantsSignature = options.WantsSignature, WantsContentSha256 = options.ConsistencyCheck,
            },
            progress,
            cancellationToken).ConfigureAwait(false);
        if (scan.Cache.Changed)
        {
            scan.Cache.Save(state.ScanCachePath);
        }

        // The scan ended on a pool thread whose frames below this one hold the cache it started from (57 MB on a
        // 600,000-entry mirror): leave them, and collect the walk's garbage, before the APT check runs beside the new one
        // (in RSS traces that check was the export's peak).
        await Task.Yield();
        MemoryTrim.AfterPhase(scan.Entries.Count);
        return scan;
    }

    private async Task<List<ContentPlan>> PlanAsync(
        string source, Manifest baseManifest, InsideHoldings held, Manifest target, SignatureStore signatures, RecompressPlanner recompress,
        RecompressPlainPatchPlanner plainPatch, OperationProgress progress, CancellationToken cancellationToken)
    {
        var available = AvailableChunks.Of(baseManifest, held.Chunks);

        recompress.StartProofs(d => !baseManifest.HasContent(d) && !held.Contents.Contains(d), cancellationToken);
        var plans = new List<ContentPlan>();
        var planned = new HashSet<Digest>();
        foreach (var file in target.Files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (baseManifest.HasContent(file.Digest) || held.Contents.Contains(file.Digest) || !planned.Add(file.Digest))
            {
                continue; // the inside holds it already (unchanged, moved, copied or kept from a cut transfer), or it is planned once already
            }

            long chunkCost = 0;
            var counted = new HashSet<Digest>();
            foreach (var chunk in file.Chunks)
            {
                if (!available.Contains(chunk.Digest) && counted.Add(chunk.Digest))
                {
                    chunkCost += chunk.Length;
                }
            }

            if (chunkCost > RecompressPlanner.FrameCost &&
                (await recompress.TryPlanAsync(file, cancellationToken).ConfigureAwait(false) ??
                    await plainPatch.TryPlanAsync(file, chunkCost, cancellationToken).ConfigureAwait(false)) is { } rebuilt)
            {
                plans.Add(rebuilt);
                progress.AddItems();
                continue;
            }

            var old = baseManifest.Find(file.Path);
            if (chunkCost > 0 && old is { Kind: EntryKind.File } && old.Size > 0 &&
                signatures.TryLoad(old.Digest, old.Size) is { } signature)
            {
                var patchCost = await MeasurePatchAsync(Path.Combine(source, file.Path), signature, chunkCost, cancellationToken).ConfigureAwait(false);
                if (patchCost < chunkCost)
                {
                    CoreLog.PatchChosen(logger, file.Path, patchCost, chunkCost);
                    plans.Add(new ContentPlan(file, old, signature, patchCost));
                    continue;
                }
            }

            foreach (var chunk in file.Chunks)
            {
                available.Add(chunk.Digest);
            }

            plans.Add(new ContentPlan(file, null, null, chunkCost));
            progress.AddItems();
        }

        return plans;
    }

    /// <summary>The size a patch would have, giving up as soon as it is no better than the chunks.</summary>
    internal static async Task<long> MeasurePatchAsync(string path, BlockSignature signature, long limit, CancellationToken cancellationToken)
    {
        long cost = 0;
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await using var stream = SequentialFile.OpenRead(path);
            await DeltaEncoder.EncodeAsync(signature, stream, (op, _) =>
            {
                cost += PatchOverheadPerOp + (op.IsCopy ? 0 : op.Data.Length);
                if (cost >= limit)
                {
                    giveUp.Cancel();
                }

                return ValueTask.CompletedTask;
            }, giveUp.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return long.MaxValue;
        }

        return cost;
    }

    private static bool SameTree(Manifest last, IReadOnlyList<ManifestEntry> entries)
    {
        if (last.Entries.Count != entries.Count)
        {
            return false;
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var a = last.Entries[i];
            var b = entries[i];
            if (a.Path != b.Path || a.Kind != b.Kind || a.Mode != b.Mode || a.MtimeNs != b.MtimeNs || a.Digest != b.Digest ||
                a.Size != b.Size || a.LinkTarget != b.LinkTarget)
            {
                return false;
            }
        }

        return true;
    }

    private sealed record ScannedTree(IReadOnlyList<ManifestEntry> Entries, int FilesHashed, long BytesHashed);
}

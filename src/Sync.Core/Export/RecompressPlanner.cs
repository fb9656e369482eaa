using Microsoft.Extensions.Logging;
using Sync.Core.Compression;
using Sync.Core.Hashing;
using Sync.Core.Manifests;

namespace Sync.Core.Export;

/// <summary>
/// Decides, before anything is signed, which compressed indices the inside can rebuild from their plain text: a
/// `X.gz` or `X.xz` whose `X` is in the same generation, and whose bytes the system compressor reproduces with a
/// setting the prover finds. Any path holding the compressed content counts (the by-hash copies have the same
/// content), so the instruction does not depend on which path the plan meets first. The proofs (xz -9 of a 36 MB
/// Packages takes half a minute) run side by side once <see cref="StartProofs"/> is called, bounded by a
/// <see cref="CompressionGate"/>, while the plan goes on with the other files. Used by one export, on its thread; the
/// proofs run on the thread pool and only read the tree.
/// </summary>
internal sealed class RecompressPlanner : IAsyncDisposable
{
    /// <summary>What a recompress frame costs on the wire: two digests, a setting, framing.</summary>
    public const long FrameCost = 112;

    private readonly string _source;
    private readonly ILogger _logger;
    private readonly Dictionary<Digest, List<(ManifestEntry Compressed, ManifestEntry Plain)>> _pairs = new();
    private readonly Dictionary<Digest, Task<ContentPlan?>> _proofs = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly CompressionGate _gate;
    private CancellationTokenSource? _linked;

    /// <param name="maxPlainBytes">
    /// The largest plain text to rebuild an .xz from (a larger .xz travels as bytes; a .gz is always rebuilt, zlib takes
    /// half a second for 36 MB); negative: no recompression at all.
    /// </param>
    public RecompressPlanner(string source, Manifest target, long maxPlainBytes, ILogger logger, CompressionGate? gate = null)
    {
        _source = source;
        _logger = logger;
        _gate = gate ?? CompressionGate.ForMachine();
        if (maxPlainBytes < 0)
        {
            return;
        }

        foreach (var file in target.Files)
        {
            if ((file.Path.EndsWith(".gz", StringComparison.Ordinal) || file.Path.EndsWith(".xz", StringComparison.Ordinal)) &&
                target.Find(file.Path[..^3]) is { Kind: EntryKind.File } plain && plain.Digest != file.Digest &&
                (plain.Size <= maxPlainBytes || file.Path.EndsWith(".gz", StringComparison.Ordinal)))
            {
                if (!_pairs.TryGetValue(file.Digest, out var list))
                {
                    _pairs[file.Digest] = list = [];
                }

                list.Add((file, plain));
            }
        }
    }

    /// <summary>
    /// Starts proving, side by side, every content <paramref name="needed"/> says the inside lacks (each content once,
    /// whichever paths hold it); <see cref="TryPlanAsync"/> then waits for its result.
    /// </summary>
    public void StartProofs(Func<Digest, bool> needed, CancellationToken cancellationToken)
    {
        _linked ??= CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        var token = _linked.Token;
        // Largest first: the longest proof starts at once and the small ones fill the other cores around it.
        foreach (var (digest, pairs) in _pairs.Where(p => needed(p.Key)).OrderByDescending(p => p.Value[0].Plain.Size))
        {
            var memory = CompressionMemory.Estimate(CompressionSetting.Xz(9), pairs.Max(p => p.Plain.Size));
            _proofs[digest] = Task.Run(async () =>
            {
                using var lease = await _gate.EnterAsync(memory, token).ConfigureAwait(false);
                return await ProveAsync(pairs, token).ConfigureAwait(false);
            }, token);
        }
    }

    /// <summary>A recompress plan for this content, or null when no plain sibling reproduces it (it then travels as bytes).</summary>
    public async Task<ContentPlan?> TryPlanAsync(ManifestEntry file, CancellationToken cancellationToken)
    {
        if (_proofs.TryGetValue(file.Digest, out var proof))
        {
            return await proof.WaitAsync(cancellationToken).ConfigureAwait(false) is { } proven ? proven with { Source = file } : null;
        }

        return _pairs.TryGetValue(file.Digest, out var pairs) ? await ProveAsync(pairs, cancellationToken).ConfigureAwait(false) : null;
    }

    /// <summary>Stops the proofs still running and waits for them, so none reads the tree after the export.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var proof in _proofs.Values)
        {
            try
            {
                await proof.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException || proof.IsFaulted)
            {
                // Its result was either used (and its failure reported) or is no longer wanted.
            }
        }

        _linked?.Dispose();
        _stop.Dispose();
        _gate.Dispose();
    }

    /// <summary>
    /// The order to send plans in: an instruction goes right after the content it is rebuilt from (first, when the
    /// inside holds that already), so the inside starts each rebuild while the rest of the stream still arrives.
    /// </summary>
    public static IEnumerable<ContentPlan> EmissionOrder(IReadOnlyList<ContentPlan> plans)
    {
        var sent = plans.Where(p => !p.IsRecompress).Select(p => p.Source.Digest).ToHashSet();
        var after = plans.Where(p => p.IsRecompress && sent.Contains(p.RecompressSource!.Digest)).ToLookup(p => p.RecompressSource!.Digest);
        foreach (var plan in plans.Where(p => p.IsRecompress && !sent.Contains(p.RecompressSource!.Digest)))
        {
            yield return plan;
        }

        foreach (var plan in plans.Where(p => !p.IsRecompress))
        {
            yield return plan;
            foreach (var rebuilt in after[plan.Source.Digest])
            {
                yield return rebuilt;
            }
        }
    }

    private async Task<ContentPlan?> ProveAsync(List<(ManifestEntry Compressed, ManifestEntry Plain)> pairs, CancellationToken cancellationToken)
    {
        var file = pairs[0].Compressed;
        foreach (var (compressed, plain) in pairs)
        {
            var compressedPath = Path.Combine(_source, compressed.Path);
            var plainPath = Path.Combine(_source, plain.Path);
            if (!UnchangedSinceScan(compressed, compressedPath) || !UnchangedSinceScan(plain, plainPath))
            {
                continue;
            }

            CompressionSetting? setting;
            try
            {
                setting = await CompressionProver.ProveAsync(plainPath, compressedPath, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                CoreLog.RecompressNotProven(_logger, compressed.Path, e.Message);
                continue;
            }

            // Checked again after: what was proven must be what was scanned (and signed), or the inside would refuse it.
            if (setting is not null && UnchangedSinceScan(compressed, compressedPath) && UnchangedSinceScan(plain, plainPath))
            {
                CoreLog.RecompressPlanned(_logger, compressed.Path, plain.Path, setting);
                return new ContentPlan(file, null, null, FrameCost) { RecompressSource = plain, Setting = setting };
            }

            CoreLog.RecompressNotReproduced(_logger, compressed.Path, plain.Path);
        }

        return null;
    }

    private static bool UnchangedSinceScan(ManifestEntry entry, string path) =>
        Posix.Posix.TryLStat(path) is { Kind: Posix.UnixFileKind.File } s && s.Size == entry.Size && s.MtimeNs == entry.MtimeNs;
}

using Microsoft.Extensions.Logging;
using Sync.Core.Compression;
using Sync.Core.Hashing;
using Sync.Core.Manifests;

namespace Sync.Core.Export;

/// <summary>
/// Decides, before anything is signed, which compressed indices the inside can rebuild from their plain text: a
/// `X.gz` or `X.xz` whose `X` is in the same generation, and whose bytes the system compressor reproduces with a
/// setting the prover finds. Any path holding the compressed content counts (the by-hash copies have the same
/// content), so the instruction does not depend on which path the plan meets first. Used by one export, on its thread.
/// </summary>
internal sealed class RecompressPlanner
{
    /// <summary>What a recompress frame costs on the wire: two digests, a setting, framing.</summary>
    public const long FrameCost = 112;

    private readonly string _source;
    private readonly ILogger _logger;
    private readonly Dictionary<Digest, List<(ManifestEntry Compressed, ManifestEntry Plain)>> _pairs = new();

    public RecompressPlanner(string source, Manifest target, bool enabled, ILogger logger)
    {
        _source = source;
        _logger = logger;
        if (!enabled)
        {
            return;
        }

        foreach (var file in target.Files)
        {
            if ((file.Path.EndsWith(".gz", StringComparison.Ordinal) || file.Path.EndsWith(".xz", StringComparison.Ordinal)) &&
                target.Find(file.Path[..^3]) is { Kind: EntryKind.File } plain && plain.Digest != file.Digest)
            {
                if (!_pairs.TryGetValue(file.Digest, out var list))
                {
                    _pairs[file.Digest] = list = [];
                }

                list.Add((file, plain));
            }
        }
    }

    /// <summary>A recompress plan for this content, or null when no plain sibling reproduces it (it then travels as bytes).</summary>
    public async Task<ContentPlan?> TryPlanAsync(ManifestEntry file, CancellationToken cancellationToken)
    {
        if (!_pairs.TryGetValue(file.Digest, out var pairs))
        {
            return null;
        }

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

using Microsoft.Extensions.Logging;
using Sync.Core.Compression;
using Sync.Core.Delta;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Storage;

namespace Sync.Core.Export;

/// <summary>
/// Plans indices a repository ships only compressed (Ubuntu's archive has `Packages.xz` and `.gz` without a plain
/// `Packages`): the new file is decompressed into the state's plain-work directory, its plain text's block signature
/// kept for the next export, and when a setting reproduces the file from that plain text and the previous version's
/// plain signature is known, the plan is the delta of the plain text plus the setting. The inside decompresses its
/// published old copy, patches it, recompresses and checks the signed digest. Used by one export, on its thread.
/// </summary>
internal sealed class RecompressPlainPatchPlanner
{
    private readonly string _source;
    private readonly Manifest _base;
    private readonly SignatureStore _plainSignatures;
    private readonly string _work;
    private readonly ILogger _logger;
    private readonly Dictionary<Digest, ManifestEntry> _compressedOnly = new();
    private readonly long _maxPlainBytes;

    /// <param name="maxPlainBytes">
    /// The largest plain text to rebuild an .xz from (a larger .xz travels as bytes; a .gz is always rebuilt); negative:
    /// no recompression at all.
    /// </param>
    public RecompressPlainPatchPlanner(string source, Manifest baseManifest, Manifest target, OutsideState state, long maxPlainBytes, ILogger logger)
    {
        _maxPlainBytes = maxPlainBytes;
        _source = source;
        _base = baseManifest;
        _plainSignatures = state.PlainSignatures;
        _work = state.PlainWorkPath;
        _logger = logger;
        if (Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true); // what an earlier export left; its bundle is sealed or abandoned
        }

        if (maxPlainBytes < 0)
        {
            return;
        }

        foreach (var file in target.Files)
        {
            if (IsIndex(file.Path) && target.Find(file.Path[..^3]) is not { Kind: EntryKind.File })
            {
                _compressedOnly.TryAdd(file.Digest, file);
            }
        }
    }

    /// <summary>
    /// A compressed index of the kinds apt reads: Packages, Sources, Contents-*, Translation-*, Components-*.yml, as .gz or .xz.
    /// </summary>
    public static bool IsIndex(string path)
    {
        if (Decompressor.FormatOf(path) is null)
        {
            return false;
        }

        var name = Path.GetFileName(path.AsSpan())[..^3];
        return name is "Packages" or "Sources" || name.StartsWith("Contents-", StringComparison.Ordinal) ||
            name.StartsWith("Translation-", StringComparison.Ordinal) ||
            (name.StartsWith("Components-", StringComparison.Ordinal) && name.EndsWith(".yml", StringComparison.Ordinal));
    }

    /// <summary>A plain-text patch plan cheaper than <paramref name="chunkCost"/>, or null (the content then travels as before).</summary>
    public async Task<ContentPlan?> TryPlanAsync(ManifestEntry file, long chunkCost, CancellationToken cancellationToken)
    {
        if (!_compressedOnly.TryGetValue(file.Digest, out var compressed))
        {
            return null;
        }

        var compressedPath = Path.Combine(_source, compressed.Path);
        Directory.CreateDirectory(_work);
        var plainPath = Path.Combine(_work, file.Digest.ToHex());
        long plainLength;
        try
        {
            plainLength = await DecompressAsync(compressed, compressedPath, plainPath, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or CompressionUnavailableException)
        {
            CoreLog.NotDecompressible(_logger, compressed.Path, e.Message);
            File.Delete(plainPath);
            return null;
        }

        var old = _base.Find(compressed.Path);
        var signature = old is { Kind: EntryKind.File } ? _plainSignatures.TryLoadAnyLength(old.Digest) : null;
        CompressionSetting? setting = null;
        if (signature is not null && (plainLength <= _maxPlainBytes || Decompressor.FormatOf(compressed.Path) == CompressionFormat.Gzip))
        {
            // Larger plain text is still decompressed: its signature serves the next export, under another limit.
            setting = await CompressionProver.ProveAsync(plainPath, compressedPath, cancellationToken).ConfigureAwait(false);
        }

        var cost = long.MaxValue;
        if (setting is not null && UnchangedSinceScan(compressed, compressedPath))
        {
            cost = await DeltaExporter.MeasurePatchAsync(plainPath, signature!, chunkCost, cancellationToken).ConfigureAwait(false);
        }

        cost = cost == long.MaxValue ? cost : cost + RecompressPlanner.FrameCost;
        if (cost >= chunkCost)
        {
            File.Delete(plainPath);
            return null;
        }

        CoreLog.PlainPatchPlanned(_logger, compressed.Path, cost, setting);
        return new ContentPlan(file, null, signature, cost) { RecompressSource = old, Setting = setting, PlainPath = plainPath, PlainLength = plainLength };
    }

    /// <summary>Decompresses the file and keeps its plain text's signature for the next export.</summary>
    private async Task<long> DecompressAsync(ManifestEntry compressed, string compressedPath, string plainPath, CancellationToken cancellationToken)
    {
        await using (var input = SequentialFile.OpenRead(compressedPath))
        await using (var output = new FileStream(plainPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        {
            await Decompressor.DecompressAsync(input, Decompressor.FormatOf(compressed.Path)!.Value, output, Math.Max(1L << 30, compressed.Size * 64), cancellationToken)
                .ConfigureAwait(false);
        }

        var length = new FileInfo(plainPath).Length;
        if (!_plainSignatures.Contains(compressed.Digest))
        {
            var builder = new SignatureBuilder(length);
            await using var plain = SequentialFile.OpenRead(plainPath);
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await plain.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                builder.Append(buffer.AsSpan(0, read));
            }

            _plainSignatures.Save(compressed.Digest, builder.Build());
        }

        return length;
    }

    private static bool UnchangedSinceScan(ManifestEntry entry, string path) =>
        Posix.Posix.TryLStat(path) is { Kind: Posix.UnixFileKind.File } s && s.Size == entry.Size && s.MtimeNs == entry.MtimeNs;
}

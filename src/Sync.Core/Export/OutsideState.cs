using System.Text.Json;
using Sync.Core.Hashing;
using Sync.Core.Storage;

namespace Sync.Core.Export;

/// <summary>
/// What the outside remembers between runs, in its state directory: the last generation it exported (with
/// the manifest bytes, the base of the next delta), the scan cache and the block signatures.
/// Layout: state.json, manifests/gNNNNNNNN.manifest, scan-cache.bin, signatures/*.sig, outside.lock.
/// </summary>
public sealed class OutsideState : IDisposable
{
    private const int ManifestsKept = 8;
    private readonly FileStream _lock;
    private SignatureStore? _signatures;

    private OutsideState(string directory, FileStream lockFile, Record record)
    {
        Root = directory;
        _lock = lockFile;
        Current = record;
    }

    public string Root { get; }

    public Record Current { get; private set; }

    public string ScanCachePath => Path.Combine(Root, "scan-cache.bin");

    public string SignaturesPath => Path.Combine(Root, "signatures");

    /// <summary>The block signatures of exported contents, opened on first use and owned by this state.</summary>
    public SignatureStore Signatures => _signatures ??= new SignatureStore(SignaturesPath);

    public static OutsideState Open(string directory)
    {
        try
        {
            Directory.CreateDirectory(directory);
            Directory.CreateDirectory(Path.Combine(directory, "manifests"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SyncException.Usage($"cannot use state directory '{directory}': {e.Message}");
        }

        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(directory, "outside.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw SyncException.Busy($"another sync-outside is using state directory '{directory}'");
        }

        var path = Path.Combine(directory, "state.json");
        var record = Record.None;
        if (File.Exists(path))
        {
            string? problem;
            try
            {
                record = JsonSerializer.Deserialize(File.ReadAllBytes(path), StateJson.Default.Record) ?? Record.None;
                problem = Problem(record);
            }
            catch (JsonException e)
            {
                problem = e.Message;
            }

            if (problem is not null)
            {
                lockFile.Dispose();
                throw new SyncException(SyncErrorKind.Failure, $"state file '{path}' is damaged: {problem}");
            }
        }

        var state = new OutsideState(directory, lockFile, record);
        state.ResolvePending();
        return state;
    }

    /// <summary>Set when Open finished or dropped an export that a crash interrupted; worth telling the operator.</summary>
    public string? RecoveryNote { get; private set; }

    /// <summary>
    /// Records, before the carrier makes a generation visible (the bundle index), what will be committed once it
    /// is. A crash between the two is resolved on the next Open: if the index exists the generation was
    /// delivered and is committed, otherwise it never was and is forgotten.
    /// </summary>
    public void MarkPending(long generation, byte[] manifestBytes, Digest manifestDigest, string streamId, string deliveredWhenExists)
    {
        AtomicFile.WriteAllBytes(Path.Combine(Root, "pending.manifest"), manifestBytes);
        var pending = new Pending(generation, manifestDigest.ToHex(), streamId, deliveredWhenExists);
        AtomicFile.WriteAllBytes(PendingPath, JsonSerializer.SerializeToUtf8Bytes(pending, StateJson.Default.Pending));
    }

    private string PendingPath => Path.Combine(Root, "pending.json");

    private void ResolvePending()
    {
        if (!File.Exists(PendingPath))
        {
            return;
        }

        Pending? pending;
        try
        {
            pending = JsonSerializer.Deserialize(File.ReadAllBytes(PendingPath), StateJson.Default.Pending);
        }
        catch (JsonException)
        {
            pending = null;
        }

        if (pending is { ManifestDigest: null } or { StreamId: null } or { DeliveredWhenExists: null })
        {
            pending = null; // damaged like unparsable JSON: the export it describes is dropped
        }

        var manifestPath = Path.Combine(Root, "pending.manifest");
        if (pending is not null && pending.Generation == Current.Generation + 1 && File.Exists(pending.DeliveredWhenExists) && File.Exists(manifestPath))
        {
            var bytes = File.ReadAllBytes(manifestPath);
            if (Digest.Compute(bytes).ToHex() == pending.ManifestDigest)
            {
                Commit(pending.Generation, bytes, Digest.Compute(bytes), pending.StreamId, DateTimeOffset.UtcNow);
                RecoveryNote = $"generation {pending.Generation} was delivered ({Path.GetFileName(pending.DeliveredWhenExists)}) before an interruption; recorded it as exported";
                return;
            }
        }

        ClearPending();
        RecoveryNote = pending is null ? null : $"an interrupted export of generation {pending.Generation} was never delivered; it is dropped";
    }

    private void ClearPending()
    {
        File.Delete(PendingPath);
        File.Delete(Path.Combine(Root, "pending.manifest"));
    }

    public byte[]? LoadLastManifest()
    {
        if (Current.Generation == 0)
        {
            return null;
        }

        var path = ManifestPath(Current.Generation);
        if (!File.Exists(path))
        {
            throw new SyncException(SyncErrorKind.Failure, $"state directory lacks the manifest of generation {Current.Generation} ({path}); use --full");
        }

        var bytes = File.ReadAllBytes(path);
        if (Digest.Compute(bytes).ToHex() != Current.ManifestDigest)
        {
            throw new SyncException(SyncErrorKind.Failure, $"manifest of generation {Current.Generation} in the state directory is damaged; use --full");
        }

        return bytes;
    }

    /// <summary>
    /// The manifest bytes of a generation this outside produced, found by generation and digest among the exported
    /// ones and those sent but never confirmed (a push cut after the inside published); null when unknown.
    /// </summary>
    public byte[]? FindManifest(long generation, string manifestDigestHex)
    {
        foreach (var path in new[] { ManifestPath(generation), SentManifestPath(manifestDigestHex) })
        {
            if (File.Exists(path))
            {
                var bytes = File.ReadAllBytes(path);
                if (Digest.Compute(bytes).ToHex() == manifestDigestHex)
                {
                    return bytes;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// Keeps a manifest before it is sent to an inside that confirms (gRPC), so the next push can delta from it even
    /// if this one is cut after the inside published but before the confirmation arrived.
    /// </summary>
    public void RememberSent(byte[] manifestBytes, Digest manifestDigest)
    {
        AtomicFile.WriteAllBytes(SentManifestPath(manifestDigest.ToHex()), manifestBytes);
        var sent = new DirectoryInfo(Path.Combine(Root, "manifests")).EnumerateFiles("sent-*.manifest")
            .OrderByDescending(f => f.LastWriteTimeUtc).Skip(ManifestsKept);
        foreach (var old in sent)
        {
            old.Delete();
        }
    }

    private string SentManifestPath(string digestHex) => Path.Combine(Root, "manifests", $"sent-{digestHex}.manifest");

    /// <summary>Records an exported generation; called only after the carrier made it durable.</summary>
    public void Commit(long generation, byte[] manifestBytes, Digest manifestDigest, string streamId, DateTimeOffset when)
    {
        AtomicFile.WriteAllBytes(ManifestPath(generation), manifestBytes);
        var record = new Record(generation, manifestDigest.ToHex(), streamId, when);
        AtomicFile.WriteAllBytes(Path.Combine(Root, "state.json"), JsonSerializer.SerializeToUtf8Bytes(record, StateJson.Default.Record));
        Current = record;
        ClearPending();
        foreach (var old in Directory.EnumerateFiles(Path.Combine(Root, "manifests"), "g*.manifest"))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(old)[1..], out var g) && g <= generation - ManifestsKept)
            {
                File.Delete(old);
            }
        }
    }

    private string ManifestPath(long generation) => Path.Combine(Root, "manifests", $"g{generation:D8}.manifest");

    /// <summary>What is wrong with a state record read from disk (JSON leaves a missing field null), or null.</summary>
    private static string? Problem(Record record) =>
        record.ManifestDigest is null || record.LastStreamId is null ? "a field is missing"
        : record.Generation < 0 ? $"generation {record.Generation}"
        : record.Generation > 0 && !Digest.IsHex(record.ManifestDigest) ? "the manifest digest is not 64 hex digits"
        : null;

    public void Dispose()
    {
        _signatures?.Dispose();
        _lock.Dispose();
    }

    public sealed record Pending(long Generation, string ManifestDigest, string StreamId, string DeliveredWhenExists);

    public sealed record Record(long Generation, string ManifestDigest, string LastStreamId, DateTimeOffset ExportedAt)
    {
        public static Record None { get; } = new(0, string.Empty, string.Empty, DateTimeOffset.UnixEpoch);
    }
}

using System.Text.Json;
using Sync.Core.Hashing;
using Sync.Core.Storage;

namespace Sync.Core.Apply;

/// <summary>
/// The inside's state directory: published.json (the generation readers see), manifests/ (its manifest, the
/// base for the next delta and for verify), journal.json (a publish in flight), staging/, snapshots/,
/// status.json (the last import's outcome) and inside.lock (one applier at a time).
/// </summary>
public sealed class InsideState : IDisposable
{
    private readonly FileStream? _lock;

    private InsideState(string root, FileStream? lockFile, PublishedRecord published)
    {
        Root = root;
        _lock = lockFile;
        Published = published;
    }

    public string Root { get; }

    public PublishedRecord Published { get; private set; }

    public string StagingRoot => Path.Combine(Root, "staging");

    public string SnapshotsRoot => Path.Combine(Root, "snapshots");

    private string JournalPath => Path.Combine(Root, "journal.json");

    /// <summary>Opens the state for writing, holding its lock for the lifetime of this object.</summary>
    public static InsideState OpenForWrite(string root)
    {
        try
        {
            Directory.CreateDirectory(root);
            Directory.CreateDirectory(Path.Combine(root, "manifests"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SyncException.Usage($"cannot use state directory '{root}': {e.Message}");
        }

        FileStream lockFile;
        try
        {
            lockFile = new FileStream(Path.Combine(root, "inside.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw SyncException.Busy($"another sync-inside is applying into state directory '{root}'; try again when it is done");
        }

        return new InsideState(Path.GetFullPath(root), lockFile, ReadPublished(root));
    }

    /// <summary>Opens the state for reading only (status, verify); takes no lock.</summary>
    public static InsideState OpenReadOnly(string root)
    {
        if (!Directory.Exists(root))
        {
            throw SyncException.Usage($"state directory '{root}' does not exist");
        }

        return new InsideState(Path.GetFullPath(root), null, ReadPublished(root));
    }

    public byte[]? LoadPublishedManifest()
    {
        if (Published.Generation == 0)
        {
            return null;
        }

        var path = ManifestPath(Published.Generation);
        var bytes = File.Exists(path) ? File.ReadAllBytes(path) : null;
        if (bytes is null || Digest.Compute(bytes).ToHex() != Published.ManifestDigest)
        {
            throw new SyncException(SyncErrorKind.Failure, $"the manifest of published generation {Published.Generation} is missing or damaged in '{Root}'");
        }

        return bytes;
    }

    public void SaveManifest(long generation, byte[] bytes) => AtomicFile.WriteAllBytes(ManifestPath(generation), bytes);

    public void SetPublished(PublishedRecord record)
    {
        AtomicFile.WriteAllBytes(Path.Combine(Root, "published.json"), JsonSerializer.SerializeToUtf8Bytes(record, InsideJson.Default.PublishedRecord));
        Published = record;
        foreach (var old in Directory.EnumerateFiles(Path.Combine(Root, "manifests"), "g*.manifest"))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(old)[1..], out var g) && g < record.Generation - 8)
            {
                File.Delete(old);
            }
        }
    }

    public Journal? ReadJournal()
    {
        if (!File.Exists(JournalPath))
        {
            return null;
        }

        Journal? journal;
        try
        {
            journal = JsonSerializer.Deserialize(File.ReadAllBytes(JournalPath), InsideJson.Default.Journal);
        }
        catch (JsonException)
        {
            journal = null;
        }

        // The journal is written atomically; a damaged one means tampering or a broken disk: do not guess. Every field
        // is checked here, so recovery never meets a missing one.
        return journal is not null && Problem(journal) is null
            ? journal
            : throw new SyncException(SyncErrorKind.Failure, $"journal '{JournalPath}' is damaged; run 'sync-inside verify' and restore the state directory");
    }

    public void WriteJournal(Journal journal) =>
        AtomicFile.WriteAllBytes(JournalPath, JsonSerializer.SerializeToUtf8Bytes(journal, InsideJson.Default.Journal));

    public void DeleteJournal()
    {
        File.Delete(JournalPath);
        Posix.Posix.FsyncDirectory(Root);
    }

    public void WriteStatus(ImportStatus status) =>
        AtomicFile.WriteAllBytes(Path.Combine(Root, "status.json"), JsonSerializer.SerializeToUtf8Bytes(status, InsideJson.Default.ImportStatus));

    public ImportStatus? ReadStatus()
    {
        var path = Path.Combine(Root, "status.json");
        try
        {
            // Only a report: a damaged one is as good as none (bundles it named are then refused as replays).
            var status = File.Exists(path) ? JsonSerializer.Deserialize(File.ReadAllBytes(path), InsideJson.Default.ImportStatus) : null;
            return status is { Applied: not null, Pending: not null, Refused: not null } &&
                !status.Applied.Concat(status.Pending).Concat(status.Refused).Contains(null)
                ? status
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private string ManifestPath(long generation) => Path.Combine(Root, "manifests", $"g{generation:D8}.manifest");

    private static PublishedRecord ReadPublished(string root)
    {
        var path = Path.Combine(root, "published.json");
        if (!File.Exists(path))
        {
            return PublishedRecord.None;
        }

        PublishedRecord? record;
        try
        {
            record = JsonSerializer.Deserialize(File.ReadAllBytes(path), InsideJson.Default.PublishedRecord);
        }
        catch (JsonException e)
        {
            throw new SyncException(SyncErrorKind.Failure, $"state file '{path}' is damaged: {e.Message}");
        }

        if (record is null)
        {
            return PublishedRecord.None;
        }

        return Problem(record) is { } problem
            ? throw new SyncException(SyncErrorKind.Failure, $"state file '{path}' is damaged: {problem}")
            : record;
    }

    /// <summary>What is wrong with a published record read from disk (JSON leaves a missing field null), or null.</summary>
    private static string? Problem(PublishedRecord record) =>
        record.ManifestDigest is null || record.StreamId is null || record.Target is null ? "a field is missing"
        : record.Generation < 0 ? $"generation {record.Generation}"
        : !Enum.IsDefined(record.Mode) ? $"unknown publish mode {(int)record.Mode}"
        : record.Generation > 0 && !Digest.IsHex(record.ManifestDigest) ? "the manifest digest is not 64 hex digits"
        : null;

    private static string? Problem(Journal journal) =>
        journal.ManifestDigest is null || journal.StreamId is null || journal.Target is null || journal.Ops is null ? "a field is missing"
        : journal.Generation <= 0 || !Enum.IsDefined(journal.Mode) || !Digest.IsHex(journal.ManifestDigest) ? "impossible values"
        : journal.Ops.Any(op => op?.Kind is null || op.Path is null) ? "an operation lacks its kind or path"
        : null;

    public void Dispose() => _lock?.Dispose();
}

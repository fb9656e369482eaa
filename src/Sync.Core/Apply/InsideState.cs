using System.Security.Cryptography;
using System.Text.Json;
using Sync.Core.FileSystem;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Streams;

namespace Sync.Core.Apply;

/// <summary>
/// The inside's state directory, held open as a tree: published.json (the generation readers see), manifests/ (its
/// manifest, the base for the next delta and for verify), journal.json (a publish in flight), staging/, snapshots/,
/// resume/, status.json (the last import's outcome) and inside.lock (one applier at a time). Every write is atomic
/// and durable (written aside, fsynced, renamed, directory fsynced).
/// </summary>
public sealed class InsideState : IDisposable
{
    private const string PublishedFile = "published.json";
    private const string JournalFile = "journal.json";
    private const string StatusFile = "status.json";
    private const string VerifyFile = "verify.json";
    private const string ManifestsDirectory = "manifests";

    /// <summary>State files are small; a larger one is damage or tampering, refused before it is read.</summary>
    private const long StateFileLimit = 1 << 20;

    private readonly IDisposable? _lock;

    private InsideState(IFileSystem fileSystem, IDirectoryTree tree, IDisposable? lockHandle, PublishedRecord published)
    {
        FileSystem = fileSystem;
        Tree = tree;
        _lock = lockHandle;
        Published = published;
    }

    public string Root => Tree.Root;

    public IFileSystem FileSystem { get; }

    /// <summary>The state directory as a tree: everything below it is reached without following a symlink.</summary>
    public IDirectoryTree Tree { get; }

    public PublishedRecord Published { get; private set; }

    public string StagingRoot => Path.Combine(Root, "staging");

    public string SnapshotsRoot => Path.Combine(Root, "snapshots");

    /// <summary>Opens the state for writing, holding its lock for the lifetime of this object.</summary>
    public static InsideState OpenForWrite(string root) => OpenForWrite(LinuxFileSystem.Instance, root);

    public static InsideState OpenForWrite(IFileSystem fileSystem, string root)
    {
        IDirectoryTree tree;
        try
        {
            tree = fileSystem.CreateTree(root);
            tree.CreateDirectories(ManifestsDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SyncException.Usage($"cannot use state directory '{root}': {e.Message}");
        }

        IDisposable? lockHandle;
        try
        {
            lockHandle = tree.TryLock("inside.lock");
        }
        catch
        {
            tree.Dispose();
            throw;
        }

        if (lockHandle is null)
        {
            tree.Dispose();
            throw SyncException.Busy($"another sync-inside is applying into state directory '{root}'; try again when it is done");
        }

        try
        {
            return new InsideState(fileSystem, tree, lockHandle, ReadPublished(tree));
        }
        catch
        {
            lockHandle.Dispose();
            tree.Dispose();
            throw;
        }
    }

    /// <summary>Opens the state for reading only (status, verify); takes no lock.</summary>
    public static InsideState OpenReadOnly(string root) => OpenReadOnly(LinuxFileSystem.Instance, root);

    public static InsideState OpenReadOnly(IFileSystem fileSystem, string root)
    {
        var tree = fileSystem.TryOpenTree(root) ?? throw SyncException.Usage($"state directory '{root}' does not exist");
        try
        {
            return new InsideState(fileSystem, tree, null, ReadPublished(tree));
        }
        catch
        {
            tree.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The published generation's manifest file, open and checked against its digest, for reading where a patch
    /// points (seekable, buffered): the base of a delta, never loaded whole; null before the first generation.
    /// </summary>
    public Stream? OpenPublishedManifest()
    {
        if (Published.Generation == 0)
        {
            return null;
        }

        Stream? stream = null;
        try
        {
            if (Tree.TryStat(ManifestPath(Published.Generation)) is { } status && status.Size <= ManifestLimitsBytes)
            {
                stream = PublishedManifestFile.OpenRead();
                if (Digest.FromBytes(SHA256.HashData(stream)).ToHex() == Published.ManifestDigest)
                {
                    stream.Position = 0;
                    return stream;
                }
            }
        }
        catch (IOException)
        {
        }

        stream?.Dispose();
        throw new SyncException(SyncErrorKind.Failure, $"the manifest of published generation {Published.Generation} is missing or damaged in '{Root}'");
    }

    /// <summary>Where the published generation's manifest lies (checked by <see cref="OpenPublishedManifest"/>, not here).</summary>
    public ManifestFile PublishedManifestFile => new(Tree, ManifestPath(Published.Generation));

    /// <summary>
    /// The published generation's manifest, parsed as it is read and checked against its digest, so its bytes (56 MB
    /// on a 600,000-entry mirror) are never all in memory beside the entries; null before the first generation.
    /// </summary>
    public Manifest? ParsePublishedManifest(IWireCodec codec, ManifestLimits limits)
    {
        if (Published.Generation == 0)
        {
            return null;
        }

        var path = ManifestPath(Published.Generation);
        Manifest? manifest = null;
        var whole = false;
        try
        {
            using var file = Tree.TryStat(path) is { } status && status.Size <= ManifestLimitsBytes ? Tree.OpenRead(path) : null;
            if (file is not null)
            {
                using var sha = SHA256.Create();
                using (var hashing = new CryptoStream(new BufferedStream(new FileHandleStream(file, writable: false), 1 << 16), sha, CryptoStreamMode.Read))
                {
                    try
                    {
                        manifest = codec.ParseManifest(hashing, limits);
                    }
                    catch (SyncException e) when (e.Kind == SyncErrorKind.Refused)
                    {
                        // Damaged: said below, once the digest has proven it.
                    }

                    hashing.CopyTo(Stream.Null); // the digest covers every byte, parsed or not
                }

                whole = Digest.FromBytes(sha.Hash).ToHex() == Published.ManifestDigest;
            }
        }
        catch (IOException)
        {
        }

        if (!whole || manifest is null)
        {
            throw new SyncException(SyncErrorKind.Failure, $"the manifest of published generation {Published.Generation} is missing or damaged in '{Root}'");
        }

        return manifest;
    }

    /// <summary>Keeps a generation's manifest, copied from where its receive wrote (and checked) it.</summary>
    public void SaveManifest(long generation, ManifestFile manifest) => manifest.Tree.CopyAtomically(manifest.Path, Tree, ManifestPath(generation));

    public void SetPublished(PublishedRecord record)
    {
        Tree.WriteAtomically(PublishedFile, JsonSerializer.SerializeToUtf8Bytes(record, InsideJson.Default.PublishedRecord));
        Published = record;
        foreach (var name in Tree.List(ManifestsDirectory))
        {
            if (name.StartsWith('g') && name.EndsWith(".manifest", StringComparison.Ordinal) &&
                long.TryParse(name.AsSpan(1, name.Length - 1 - ".manifest".Length), out var g) && g < record.Generation - 8)
            {
                Tree.DeleteFile(TreePath.Combine(ManifestsDirectory, name));
            }
        }
    }

    public Journal? ReadJournal()
    {
        if (Tree.TryStat(JournalFile) is null)
        {
            return null;
        }

        Journal? journal;
        try
        {
            journal = JsonSerializer.Deserialize(Tree.ReadAllBytes(JournalFile, 256 << 20), InsideJson.Default.Journal);
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            journal = null;
        }

        if (journal is { Format: not Journal.CurrentFormat })
        {
            throw new SyncException(SyncErrorKind.Failure,
                $"journal '{Path.Join(Root, JournalFile)}' was written by another version of sync-inside (format {journal.Format}, this one reads {Journal.CurrentFormat}); finish it with that version, or restore the state directory");
        }

        // The journal is written atomically; a damaged one means tampering or a broken disk: do not guess. Every field
        // is checked here, so recovery never meets a missing one.
        return journal is not null && Problem(journal) is null
            ? journal
            : throw new SyncException(SyncErrorKind.Failure, $"journal '{Path.Join(Root, JournalFile)}' is damaged; run 'sync-inside verify' and restore the state directory");
    }

    public void WriteJournal(Journal journal) => Tree.WriteAtomically(JournalFile, JsonSerializer.SerializeToUtf8Bytes(journal, InsideJson.Default.Journal));

    public void DeleteJournal()
    {
        if (Tree.TryStat(JournalFile) is not null)
        {
            Tree.DeleteFile(JournalFile);
        }

        Tree.SyncDirectory(string.Empty);
    }

    public void WriteStatus(ImportStatus status) => Tree.WriteAtomically(StatusFile, JsonSerializer.SerializeToUtf8Bytes(status, InsideJson.Default.ImportStatus));

    public ImportStatus? ReadStatus()
    {
        try
        {
            // Only a report: a damaged one is as good as none (bundles it named are then refused as replays).
            var status = Tree.TryStat(StatusFile) is null ? null : JsonSerializer.Deserialize(Tree.ReadAllBytes(StatusFile, StateFileLimit), InsideJson.Default.ImportStatus);
            return status is { Applied: not null, Pending: not null, Refused: not null } &&
                !status.Applied.Concat(status.Pending).Concat(status.Refused).Contains(null)
                ? status
                : null;
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Records what `verify` found; written atomically, so it needs no lock (a stale record names an older generation).</summary>
    public void WriteVerifyRecord(VerifyRecord record) => Tree.WriteAtomically(VerifyFile, JsonSerializer.SerializeToUtf8Bytes(record, InsideJson.Default.VerifyRecord));

    public VerifyRecord? ReadVerifyRecord()
    {
        try
        {
            return Tree.TryStat(VerifyFile) is null ? null : JsonSerializer.Deserialize(Tree.ReadAllBytes(VerifyFile, StateFileLimit), InsideJson.Default.VerifyRecord);
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>True when the last verify of the generation now published found it differing from its manifest.</summary>
    public bool PublishedMayBeDamaged => ReadVerifyRecord() is { Problems: > 0 } record &&
        record.Generation == Published.Generation && record.ManifestDigest == Published.ManifestDigest;

    public void ClearVerifyRecord()
    {
        if (Tree.TryStat(VerifyFile) is not null)
        {
            Tree.DeleteFile(VerifyFile);
            Tree.SyncDirectory(string.Empty);
        }
    }

    public void Dispose()
    {
        _lock?.Dispose();
        Tree.Dispose();
    }

    /// <summary>Manifests are bounded by ManifestLimits; their files are read only up to that.</summary>
    private static long ManifestLimitsBytes => Manifests.ManifestLimits.Default.MaxManifestBytes;

    private static string ManifestPath(long generation) => TreePath.Combine(ManifestsDirectory, $"g{generation:D8}.manifest");

    private static PublishedRecord ReadPublished(IDirectoryTree tree)
    {
        if (tree.TryStat(PublishedFile) is null)
        {
            return PublishedRecord.None;
        }

        var path = Path.Join(tree.Root, PublishedFile);
        PublishedRecord? record;
        try
        {
            record = JsonSerializer.Deserialize(tree.ReadAllBytes(PublishedFile, StateFileLimit), InsideJson.Default.PublishedRecord);
        }
        catch (Exception e) when (e is JsonException or IOException or NotSupportedException)
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
        journal.ManifestDigest is null || journal.StreamId is null || journal.Target is null || journal.Ops is null || journal.Policy is null ? "a field is missing"
        : journal.Generation <= 0 || !Enum.IsDefined(journal.Mode) || !Digest.IsHex(journal.ManifestDigest) ? "impossible values"
        : journal.Mode == PublishMode.Snapshot && string.IsNullOrEmpty(journal.Snapshot) ? "a snapshot journal without its snapshot"
        : journal.Ops.Any(op => op is null || op.Path is null || !Enum.IsDefined(op.Kind)) ? "an operation lacks its kind or path"
        : !IsAbsolute(journal.Target) || (journal.Mode == PublishMode.InPlace ? !IsAbsolute(journal.StagingDirectory) : journal.StagingDirectory is not null)
            ? "the target or the staging directory is missing or not an absolute path"
        : journal.Ops.FirstOrDefault(op => !TreePath.IsPlain(op.Path) || (op.Staged is null ? MovesStaged(op.Kind) : !TreePath.IsPlain(op.Staged))) is { } bad
            ? $"step {bad.Kind} of '{bad.Path}' names a path that is not plain and relative, or lacks its staged path"
        : null;

    private static bool IsAbsolute(string? path) => path is not null && Path.IsPathFullyQualified(path) && !path.Contains('\0');

    /// <summary>The steps that act on a path of the staging tree (the replay needs it).</summary>
    private static bool MovesStaged(JournalOpKind kind) => kind is JournalOpKind.Rename or JournalOpKind.Exchange or JournalOpKind.RemoveSwappedOut;
}

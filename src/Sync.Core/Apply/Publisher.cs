using Microsoft.Extensions.Logging;
using Sync.Core.Manifests;
using Sync.Core.Posix;

namespace Sync.Core.Apply;

/// <summary>
/// Makes a received generation the one readers see, atomically (snapshot: one rename of a symlink) or in an
/// apt-safe order (in place: pool, then indices, then Release/InRelease/Release.gpg, deletions last), always
/// through a durable journal so a crash at any instant is finished by the next run.
/// </summary>
public sealed class Publisher
{
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public Publisher(ILogger logger, TimeProvider time)
    {
        _logger = logger;
        _time = time;
    }

    /// <summary>Where contents are staged: on the file system they will be published on, so renames and links work.</summary>
    public static string StagingDirectory(InsideState state, string target, PublishMode mode) => mode == PublishMode.Snapshot
        ? Path.Combine(state.StagingRoot, "incoming")
        : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(target))!, "." + Path.GetFileName(Path.GetFullPath(target)) + ".sync-staging");

    /// <summary>Where a cut receive's data is kept for a resume (<see cref="ResumeStore"/>): beside the staging directory, on its file system.</summary>
    public static string ResumeDirectory(InsideState state, string target, PublishMode mode) => mode == PublishMode.Snapshot
        ? Path.Combine(state.Root, "resume")
        : Path.Combine(Path.GetDirectoryName(Path.GetFullPath(target))!, "." + Path.GetFileName(Path.GetFullPath(target)) + ".sync-resume");

    /// <summary>The directory holding the published generation, or null when nothing is published.</summary>
    public static string? PublishedRoot(InsideState state, string target) => state.Published.Generation == 0
        ? null
        : state.Published.Mode == PublishMode.Snapshot ? state.Published.SnapshotDirectory : Path.GetFullPath(target);

    /// <summary>Checks the target can be published to in this mode before anything is received.</summary>
    public static void CheckTarget(InsideState state, string target, PublishMode mode)
    {
        var full = Path.GetFullPath(target);
        if (state.Published.Generation > 0 && state.Published.Mode != mode)
        {
            throw SyncException.Usage($"state '{state.Root}' publishes in {Describe(state.Published.Mode)} mode; pass the same --publish mode");
        }

        if (state.Published.Generation > 0 && state.Published.Target != full)
        {
            throw SyncException.Usage($"state '{state.Root}' publishes to '{state.Published.Target}', not '{full}'");
        }

        var status = Posix.Posix.TryLStat(full);
        if (mode == PublishMode.Snapshot)
        {
            if (status is { Kind: not UnixFileKind.Symlink })
            {
                throw SyncException.Usage($"target '{full}' exists and is not a symlink; snapshot mode switches a symlink (use --publish in-place to keep a real directory)");
            }

            if (status is not null && state.Published.Generation == 0)
            {
                throw SyncException.Usage($"target '{full}' already exists but nothing is published from state '{state.Root}'; remove it or use another state directory");
            }
        }
        else
        {
            if (status is { Kind: not UnixFileKind.Directory })
            {
                throw SyncException.Usage($"target '{full}' exists and is not a directory");
            }

            if (status is not null && state.Published.Generation == 0 && Directory.EnumerateFileSystemEntries(full).Any())
            {
                throw SyncException.Usage($"target '{full}' is not empty but nothing is published from state '{state.Root}'; start from an empty directory");
            }
        }
    }

    public async Task PublishAsync(
        ReceivedGeneration received, Manifest current, InsideState state, string target, PublishMode mode, int keepSnapshots, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(target);
        var staging = StagingDirectory(state, full, mode);
        state.SaveManifest(received.Header.TargetGeneration, received.ManifestBytes);
        var journal = (mode == PublishMode.Snapshot
            ? BuildSnapshot(received, current, state, full, cancellationToken)
            : StageInPlace(received, current, state, full, staging, cancellationToken)) with { SignedBy = received.SignedBy };

        // One flush of everything staged before the journal makes it the truth.
        Posix.Posix.SyncFileSystem(mode == PublishMode.Snapshot ? state.SnapshotsRoot : staging);
        CrashPoints.Hit();
        state.WriteJournal(journal);
        CrashPoints.Hit();
        await Task.Yield();
        Finish(journal, state);
        Cleanup(state, full, mode, keepSnapshots);
    }

    /// <summary>Finishes a publish a crash interrupted, or discards staging a crash left behind.</summary>
    public void Recover(InsideState state, string target, PublishMode mode)
    {
        var journal = state.ReadJournal();
        if (journal is not null)
        {
            _logger.LogWarning("Finishing the interrupted publish of generation {Generation}", journal.Generation);
            Finish(journal, state);
        }

        var full = Path.GetFullPath(target);
        RemoveTree(Path.Combine(state.StagingRoot));
        RemoveTree(StagingDirectory(state, full, PublishMode.InPlace));
        if (Directory.Exists(state.SnapshotsRoot))
        {
            foreach (var partial in Directory.EnumerateDirectories(state.SnapshotsRoot, "*.partial"))
            {
                RemoveTree(partial);
            }
        }
    }

    private Journal BuildSnapshot(ReceivedGeneration received, Manifest current, InsideState state, string target, CancellationToken cancellationToken)
    {
        var generation = received.Header.TargetGeneration;
        var final = Path.Combine(state.SnapshotsRoot, $"g{generation:D8}");
        var partial = final + ".partial";
        RemoveTree(partial);
        if (Directory.Exists(final))
        {
            // A snapshot for this generation without a journal was never published: rebuild it.
            RemoveTree(final);
        }

        Directory.CreateDirectory(partial);
        var materializer = new Materializer(received.Sources);
        var count = 0;
        foreach (var entry in received.Manifest.Entries)
        {
            if ((++count & 1023) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                CrashPoints.Hit();
            }

            var path = Path.Combine(partial, entry.Path);
            switch (entry.Kind)
            {
                case EntryKind.Directory:
                    Directory.CreateDirectory(path);
                    break;
                case EntryKind.Symlink:
                    File.CreateSymbolicLink(path, entry.LinkTarget!);
                    Materializer.SetMetadata(path, entry);
                    break;
                case EntryKind.File:
                    materializer.MakeFile(entry, path, current.Find(entry.Path) ?? received.Sources.FindPublished(entry.Digest));
                    break;
            }
        }

        SetDirectoryMetadata(partial, received.Manifest);
        CrashPoints.Hit();
        Posix.Posix.SyncFileSystem(partial);
        Posix.Posix.Rename(partial, final);
        Posix.Posix.FsyncDirectory(state.SnapshotsRoot);
        return new Journal(generation, received.Header.TargetManifestDigest.ToHex(), received.Header.StreamIdHex, PublishMode.Snapshot, target, final, null, []);
    }

    private static Journal StageInPlace(
        ReceivedGeneration received, Manifest current, InsideState state, string target, string staging, CancellationToken cancellationToken)
    {
        var files = Path.Combine(staging, "files");
        Directory.CreateDirectory(files);
        Directory.CreateDirectory(target);
        var materializer = new Materializer(received.Sources);
        var next = received.Manifest;
        var counter = 0;
        string NextStagedPath() => Path.Combine(files, (++counter).ToString(System.Globalization.CultureInfo.InvariantCulture));

        // APT suites (dists/<suite>) that change are rebuilt whole beside the tree and swapped in with one
        // exchange, so InRelease and every index it names change for readers at the same instant.
        var changedSuites = ChangedSuites(current, next);
        var suiteOps = new List<JournalOp>();
        var suiteCleanup = new List<JournalOp>();
        foreach (var suite in changedSuites)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var staged = NextStagedPath();
            var suiteEntry = next.Find(suite)!;
            Directory.CreateDirectory(staged);
            foreach (var entry in next.Entries.Where(e => SuiteOf(e.Path) == suite && e.Path != suite))
            {
                var path = Path.Combine(staged, entry.Path[(suite.Length + 1)..]);
                switch (entry.Kind)
                {
                    case EntryKind.Directory:
                        Directory.CreateDirectory(path);
                        break;
                    case EntryKind.Symlink:
                        File.CreateSymbolicLink(path, entry.LinkTarget!);
                        Materializer.SetMetadata(path, entry);
                        break;
                    case EntryKind.File:
                        var old = current.Find(entry.Path);
                        if (old is not null && old.SameFileAs(entry) && TryLinkPublished(Path.Combine(target, entry.Path), path))
                        {
                            break;
                        }

                        materializer.MakeFile(entry, path, null);
                        break;
                }
            }

            foreach (var dir in next.Entries.Where(e => e.Kind == EntryKind.Directory && SuiteOf(e.Path) == suite && e.Path != suite).Reverse())
            {
                Materializer.SetMetadata(Path.Combine(staged, dir.Path[(suite.Length + 1)..]), dir);
            }

            Materializer.SetMetadata(staged, suiteEntry);
            var marker = Posix.Posix.LStat(staged).Inode;
            suiteOps.Add(current.Find(suite) is { Kind: EntryKind.Directory }
                ? new JournalOp("exchange", suite, staged, Marker: marker)
                : new JournalOp("rename", suite, staged));
            suiteCleanup.Add(new JournalOp("deltree", suite, staged, Marker: marker));
            CrashPoints.Hit();
        }

        bool InChangedSuite(string path) => SuiteOf(path) is { } suite && changedSuites.Contains(suite);

        var mkdirs = new List<JournalOp>();
        var tiers = new[] { new List<JournalOp>(), new List<JournalOp>(), new List<JournalOp>() };
        foreach (var entry in next.Entries)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (InChangedSuite(entry.Path))
            {
                continue;
            }

            var old = current.Find(entry.Path);
            var tier = tiers[Tier(entry.Path)];
            switch (entry.Kind)
            {
                case EntryKind.Directory:
                    if (old is not { Kind: EntryKind.Directory })
                    {
                        mkdirs.Add(new JournalOp("mkdir", entry.Path));
                    }

                    break;
                case EntryKind.Symlink:
                    if (old is { Kind: EntryKind.Symlink } && old.LinkTarget == entry.LinkTarget)
                    {
                        if (old.MtimeNs != entry.MtimeNs)
                        {
                            tier.Add(new JournalOp("meta", entry.Path, null, entry.Mode, entry.MtimeNs));
                        }

                        break;
                    }

                    var link = NextStagedPath();
                    File.CreateSymbolicLink(link, entry.LinkTarget!);
                    Materializer.SetMetadata(link, entry);
                    tier.Add(new JournalOp("rename", entry.Path, link));
                    break;
                case EntryKind.File:
                    if (old is not null && old.SameFileAs(entry))
                    {
                        break;
                    }

                    if (old is { Kind: EntryKind.File } && old.Digest == entry.Digest)
                    {
                        tier.Add(new JournalOp("meta", entry.Path, null, entry.Mode, entry.MtimeNs));
                        break;
                    }

                    var staged = NextStagedPath();
                    materializer.MakeFile(entry, staged, null);
                    tier.Add(new JournalOp("rename", entry.Path, staged));
                    if ((counter & 255) == 0)
                    {
                        CrashPoints.Hit();
                    }

                    break;
            }
        }

        // Deletions after every addition, deepest first so directories are empty when their turn comes.
        var deletions = new List<JournalOp>();
        foreach (var old in current.Entries.Reverse())
        {
            var now = next.Find(old.Path);
            if ((now is null || now.Kind != old.Kind) && !InChangedSuite(old.Path))
            {
                deletions.Add(new JournalOp(old.Kind == EntryKind.Directory ? "rmdir" : "delete", old.Path));
            }
        }

        var dirMeta = next.Entries.Where(e => e.Kind == EntryKind.Directory && !InChangedSuite(e.Path)).Reverse()
            .Select(e => new JournalOp("dirmeta", e.Path, null, e.Mode, e.MtimeNs));
        var ops = mkdirs.Concat(tiers[0]).Concat(tiers[1]).Concat(suiteOps).Concat(tiers[2]).Concat(deletions).Concat(suiteCleanup).Concat(dirMeta).ToList();
        return new Journal(received.Header.TargetGeneration, received.Header.TargetManifestDigest.ToHex(), received.Header.StreamIdHex,
            PublishMode.InPlace, target, null, staging, ops);
    }

    /// <summary>The APT suite directory (…/dists/&lt;suite&gt;) a path belongs to, or null.</summary>
    internal static string? SuiteOf(string path)
    {
        var segments = path.Split('/');
        for (var i = 0; i + 1 < segments.Length; i++)
        {
            if (segments[i] == "dists")
            {
                return string.Join('/', segments[..(i + 2)]);
            }
        }

        return null;
    }

    /// <summary>Suites present in the new generation whose subtree differs in any way from the published one.</summary>
    private static HashSet<string> ChangedSuites(Manifest current, Manifest next)
    {
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in next.Entries)
        {
            if (SuiteOf(entry.Path) is not { } suite || changed.Contains(suite) || next.Find(suite) is not { Kind: EntryKind.Directory })
            {
                continue;
            }

            var old = current.Find(entry.Path);
            if (old is null || old.Kind != entry.Kind || old.Mode != entry.Mode || old.MtimeNs != entry.MtimeNs ||
                old.Digest != entry.Digest || old.LinkTarget != entry.LinkTarget)
            {
                changed.Add(suite);
            }
        }

        foreach (var entry in current.Entries)
        {
            if (SuiteOf(entry.Path) is { } suite && next.Find(suite) is { Kind: EntryKind.Directory } && next.Find(entry.Path) is null)
            {
                changed.Add(suite);
            }
        }

        return changed;
    }

    private static bool TryLinkPublished(string published, string destination)
    {
        try
        {
            Posix.Posix.HardLink(published, destination);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>apt reads Release files first, then indices, then pool files; publish in the reverse order.</summary>
    internal static int Tier(string path)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        if (name is "Release" or "InRelease" or "Release.gpg")
        {
            return 2;
        }

        return path.StartsWith("dists/", StringComparison.Ordinal) || path.Contains("/dists/", StringComparison.Ordinal) ? 1 : 0;
    }

    private void Finish(Journal journal, InsideState state)
    {
        if (journal.Mode == PublishMode.Snapshot)
        {
            if (!Directory.Exists(journal.SnapshotDirectory))
            {
                throw new SyncException(SyncErrorKind.Failure, $"journal names snapshot '{journal.SnapshotDirectory}', which is gone; restore the state directory");
            }

            SwitchSymlink(journal.Target, journal.SnapshotDirectory!);
        }
        else
        {
            foreach (var op in journal.Ops)
            {
                Replay(journal.Target, op);
                CrashPoints.Hit();
            }

            Posix.Posix.SyncFileSystem(journal.Target);
        }

        CrashPoints.Hit();
        state.SetPublished(new PublishedRecord(
            journal.Generation, journal.ManifestDigest, journal.StreamId, _time.GetUtcNow(), journal.Mode, journal.Target, journal.SnapshotDirectory, journal.SignedBy));
        state.DeleteJournal();
        _logger.LogDebug("Published generation {Generation} at {Target}", journal.Generation, journal.Target);
    }

    private static void Replay(string target, JournalOp op)
    {
        var path = Path.Combine(target, op.Path);
        switch (op.Kind)
        {
            case "mkdir":
                if (Posix.Posix.TryLStat(path) is { Kind: not UnixFileKind.Directory })
                {
                    File.Delete(path); // a file or link turns into a directory
                }

                Directory.CreateDirectory(path);
                break;
            case "rename":
                if (Posix.Posix.TryLStat(op.From!) is not null)
                {
                    if (Posix.Posix.TryLStat(path) is { Kind: UnixFileKind.Directory })
                    {
                        Directory.Delete(path, recursive: true); // a directory turns into a file or link
                    }

                    Posix.Posix.Rename(op.From!, path);
                }

                break;
            case "meta":
                if (Posix.Posix.TryLStat(path) is { } status)
                {
                    if (status.Kind != UnixFileKind.Symlink)
                    {
                        File.SetUnixFileMode(path, (UnixFileMode)op.Mode);
                    }

                    Posix.Posix.SetMtime(path, op.MtimeNs);
                }

                break;
            case "delete":
                if (Posix.Posix.TryLStat(path) is { Kind: not UnixFileKind.Directory })
                {
                    File.Delete(path);
                }

                break;
            case "rmdir":
                if (Posix.Posix.TryLStat(path) is { Kind: UnixFileKind.Directory } && !Directory.EnumerateFileSystemEntries(path).Any())
                {
                    Directory.Delete(path);
                }

                break;
            case "exchange":
                if (Posix.Posix.TryLStat(path) is { } now && now.Inode == op.Marker)
                {
                    break; // already swapped in
                }

                if (Posix.Posix.TryLStat(op.From!) is not null)
                {
                    if (Posix.Posix.TryLStat(path) is null)
                    {
                        Posix.Posix.Rename(op.From!, path);
                    }
                    else
                    {
                        Posix.Posix.Exchange(op.From!, path);
                    }
                }

                break;
            case "deltree":
                if (Posix.Posix.TryLStat(op.From!) is { Kind: UnixFileKind.Directory } swapped && swapped.Inode != op.Marker)
                {
                    RemoveTree(op.From!);
                }

                break;
            case "dirmeta":
                if (Posix.Posix.TryLStat(path) is { Kind: UnixFileKind.Directory })
                {
                    File.SetUnixFileMode(path, (UnixFileMode)op.Mode);
                    Posix.Posix.SetMtime(path, op.MtimeNs);
                }

                break;
            default:
                throw new SyncException(SyncErrorKind.Failure, $"journal holds an unknown step '{op.Kind}'");
        }
    }

    private static void SwitchSymlink(string target, string snapshot)
    {
        var temp = target + ".sync-switch";
        if (Posix.Posix.TryLStat(temp) is not null)
        {
            File.Delete(temp);
        }

        File.CreateSymbolicLink(temp, snapshot);
        CrashPoints.Hit();
        Posix.Posix.Rename(temp, target);
        Posix.Posix.FsyncDirectory(Path.GetDirectoryName(target)!);
    }

    private void Cleanup(InsideState state, string target, PublishMode mode, int keepSnapshots)
    {
        RemoveTree(StagingDirectory(state, target, mode));
        if (mode != PublishMode.Snapshot || !Directory.Exists(state.SnapshotsRoot))
        {
            return;
        }

        // Older snapshots stay a while for readers that still hold their indices; beyond that they go.
        var old = Directory.EnumerateDirectories(state.SnapshotsRoot, "g*")
            .Where(d => !d.EndsWith(".partial", StringComparison.Ordinal) && d != state.Published.SnapshotDirectory)
            .OrderByDescending(d => d, StringComparer.Ordinal)
            .Skip(Math.Max(0, keepSnapshots - 1));
        foreach (var dir in old)
        {
            _logger.LogDebug("Removing old snapshot {Snapshot}", dir);
            RemoveTree(dir);
        }
    }

    private static void SetDirectoryMetadata(string root, Manifest manifest)
    {
        for (var i = manifest.Entries.Count - 1; i >= 0; i--)
        {
            var entry = manifest.Entries[i];
            if (entry.Kind == EntryKind.Directory)
            {
                Materializer.SetMetadata(Path.Combine(root, entry.Path), entry);
            }
        }
    }

    public static void RemoveTree(string path)
    {
        if (Posix.Posix.TryLStat(path) is not { Kind: UnixFileKind.Directory })
        {
            return;
        }

        // Snapshots hold read-only directories when the source had them; make them writable to delete.
        foreach (var dir in Directory.EnumerateDirectories(path, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            if (Posix.Posix.TryLStat(dir) is { Kind: UnixFileKind.Directory })
            {
                File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        Directory.Delete(path, recursive: true);
    }

    private static string Describe(PublishMode mode) => mode == PublishMode.Snapshot ? "snapshot" : "in-place";
}

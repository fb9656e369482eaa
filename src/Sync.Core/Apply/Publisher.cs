using Microsoft.Extensions.Logging;
using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Posix;

namespace Sync.Core.Apply;

/// <summary>
/// Makes a received generation the one readers see, atomically (snapshot: one rename of a symlink;
/// <see cref="SnapshotBuilder"/>, <see cref="SnapshotSwitch"/>) or in an apt-safe order (in place:
/// <see cref="InPlaceStager"/>, <see cref="JournalReplayer"/>), always through a durable journal, so a crash or a
/// power cut at any instant is finished by the next run (<see cref="Recover"/>).
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

    public static string StagingDirectory(InsideState state, string target, PublishMode mode) => PublishLayout.StagingDirectory(state, target, mode);

    public static string ResumeDirectory(InsideState state, string target, PublishMode mode) => PublishLayout.ResumeDirectory(state, target, mode);

    public static string? PublishedRoot(InsideState state, string target) => PublishLayout.PublishedRoot(state, target);

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

        if (state.FileSystem.TryStatPath(Path.GetDirectoryName(full)!) is not { Kind: UnixFileKind.Directory })
        {
            throw SyncException.Usage($"the directory holding target '{full}' does not exist; create it first");
        }

        var status = state.FileSystem.TryStatPath(full);
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

            if (status is not null && state.Published.Generation == 0)
            {
                using var tree = state.FileSystem.TryOpenTree(full, followSymlink: false);
                if (tree is not null && tree.List(string.Empty).Count > 0)
                {
                    throw SyncException.Usage($"target '{full}' is not empty but nothing is published from state '{state.Root}'; start from an empty directory");
                }
            }
        }
    }

    /// <summary>What the last in-place publish found changed in the target and replaced (with OverwriteLocalChanges).</summary>
    public IReadOnlyList<string> Overwritten { get; private set; } = [];

    public async Task PublishAsync(PublishRequest received, Manifest current, PublishLayout layout, PublishOptions options, CancellationToken cancellationToken)
    {
        var state = layout.State;
        state.SaveManifest(received.Generation, received.ManifestFile);
        Overwritten = [];
        if (layout.Mode == PublishMode.Snapshot)
        {
            var previous = state.Published;
            var journal = await SnapshotBuilder.BuildAsync(received, current, layout, options.Policy, options.Reused, cancellationToken).ConfigureAwait(false);
            await CommitAsync(journal, state, layout, options.KeepSnapshots, cancellationToken).ConfigureAwait(false);
            CollectPools(state, previous, current, received.Manifest);
            return;
        }

        using var target = OpenInPlaceTarget(layout, options.Policy);

        // Reprepro (Landscape's, for one) must not run while the tree changes: wait for its lock, then hold it.
        using var locks = await RepreproLocks.AcquireAsync(target, received.Manifest, options.LockTimeout, _time, cancellationToken).ConfigureAwait(false);
        var staged = await InPlaceStager.StageAsync(received, current, layout, target, options.Policy, options.Reused, cancellationToken).ConfigureAwait(false);
        var changed = await LocalChangeCheck.FindAsync(staged, current, target, options.Policy, options.RehashLocalChanges, cancellationToken).ConfigureAwait(false);
        if (changed.Count > 0 && !options.OverwriteLocalChanges)
        {
            // The one error line names the first ten; the operator must see them all before choosing to overwrite.
            foreach (var path in changed)
            {
                CoreLog.ChangedHere(_logger, layout.State.Published.Generation, path);
            }

            throw new SyncException(
                SyncErrorKind.Refused,
                $"{changed.Count} entr{(changed.Count == 1 ? "y" : "ies")} of '{layout.Target}' changed since generation {layout.State.Published.Generation} was published here: " +
                $"{string.Join(", ", changed.Take(10))}{(changed.Count > 10 ? ", ... (each is logged)" : string.Empty)}; nothing was written (--overwrite-local-changes replaces them)")
            {
                AboutTarget = true,
            };
        }

        foreach (var path in changed)
        {
            CoreLog.OverwritingLocalChange(_logger, path);
        }

        Overwritten = changed;

        // One flush of everything staged before the journal makes it the truth.
        layout.Staging.SyncFileSystem();
        await CommitAsync(staged with { Locks = RepreproLocks.LockFiles(received.Manifest) }, state, layout, options.KeepSnapshots, cancellationToken).ConfigureAwait(false);
    }

    private async Task CommitAsync(Journal journal, InsideState state, PublishLayout layout, int keepSnapshots, CancellationToken cancellationToken)
    {
        CrashPoints.Hit();
        state.WriteJournal(journal);
        CrashPoints.Hit();
        layout.ForgetPublished();
        await FinishAsync(journal, state, locksHeld: true, cancellationToken).ConfigureAwait(false);
        Cleanup(layout, keepSnapshots);
    }

    /// <summary>Finishes a publish a crash interrupted (holding reprepro's locks as it did), or discards staging a crash left behind.</summary>
    public async Task RecoverAsync(InsideState state, string target, PublishMode mode, CancellationToken cancellationToken)
    {
        var journal = state.ReadJournal();
        if (journal is not null)
        {
            CoreLog.FinishingInterruptedPublish(_logger, journal.Generation);
            await FinishAsync(journal, state, locksHeld: false, cancellationToken).ConfigureAwait(false);
        }

        if (state.Published is { Mode: PublishMode.InPlace, Locks: { Count: > 0 } held })
        {
            // Reprepro's lock, taken by a publish that died after its journal was done: Landscape's reprepro waits on it.
            using var published = state.FileSystem.TryOpenTree(state.Published.Target, followSymlink: false);
            if (published is not null)
            {
                RepreproLocks.ClearStale(published, held);
            }
        }

        state.Tree.RemoveTree("staging");
        using (var parent = PublishLayout.OpenTargetParent(state.FileSystem, target))
        {
            parent?.RemoveTree("." + Path.GetFileName(Path.GetFullPath(target)) + ".sync-staging");
        }

        if (state.Tree.TryStat("snapshots") is { Kind: UnixFileKind.Directory })
        {
            using var snapshots = state.Tree.OpenTree("snapshots");
            foreach (var name in snapshots.List(string.Empty).Where(n => n.EndsWith(".partial", StringComparison.Ordinal)))
            {
                snapshots.RemoveTree(name);
            }
        }
    }

    internal static string SnapshotName(long generation) => $"g{generation:D8}";

    private async Task FinishAsync(Journal journal, InsideState state, bool locksHeld, CancellationToken cancellationToken)
    {
        using var layout = new PublishLayout(state, journal.Target, journal.Mode);
        if (journal.Mode == PublishMode.Snapshot)
        {
            var name = journal.Snapshot ?? string.Empty;
            if (name.Length == 0 || name.Contains('/') || state.Tree.TryStat(TreePath.Combine("snapshots", name)) is not { Kind: UnixFileKind.Directory })
            {
                throw new SyncException(SyncErrorKind.Failure, $"journal names snapshot '{name}', which is gone; restore the state directory");
            }

            SnapshotSwitch.Switch(layout.TargetParent, layout.TargetName, layout.SnapshotPath(name), journal.Policy.Owner);
        }
        else
        {
            using var target = state.FileSystem.TryOpenTree(journal.Target, followSymlink: false)
                ?? throw new SyncException(SyncErrorKind.Failure, $"in-place target '{journal.Target}' is gone; restore it and the state directory");
            using var staging = journal.StagingDirectory is null ? null : state.FileSystem.TryOpenTree(journal.StagingDirectory, followSymlink: false);
            using var locks = locksHeld || journal.Locks is null
                ? null
                : await RepreproLocks.AcquireAsync(target, journal.Locks, PublishOptions.DefaultLockTimeout, _time, cancellationToken).ConfigureAwait(false);
            JournalReplayer.Replay(journal, target, staging);
        }

        CrashPoints.Hit();
        state.SetPublished(new PublishedRecord(
            journal.Generation, journal.ManifestDigest, journal.StreamId, _time.GetUtcNow(), journal.Mode, journal.Target,
            journal.Snapshot is null ? null : layout.SnapshotPath(journal.Snapshot), journal.Policy, journal.SignedBy, journal.Locks,
            journal.PoolEpoch, journal.SharedRoots));
        state.DeleteJournal();
        CoreLog.Published(_logger, journal.Generation, journal.Target);
    }

    private void Cleanup(PublishLayout layout, int keepSnapshots)
    {
        layout.RemoveStaging();
        if (layout.Mode != PublishMode.Snapshot)
        {
            return;
        }

        using var snapshots = layout.OpenSnapshots();
        foreach (var name in SnapshotRetention.Prune(snapshots, Path.GetFileName(layout.State.Published.SnapshotDirectory ?? string.Empty), keepSnapshots))
        {
            CoreLog.SnapshotRemoved(_logger, name);
        }
    }

    /// <summary>
    /// Logs the pool files the new generation dropped and deletes those no kept snapshot names any more, with the epochs no
    /// kept snapshot uses. Best effort: a failure here leaks files in the store, it never touches a published one.
    /// </summary>
    private void CollectPools(InsideState state, PublishedRecord previous, Manifest current, Manifest published)
    {
        if (state.Published.SharedRoots is not { } roots || state.Published.PoolEpoch is not { } epoch)
        {
            return;
        }

        try
        {
            using var snapshots = state.Tree.OpenTree("snapshots");
            var kept = SnapshotRetention.List(snapshots);
            using var store = PoolStore.Open(state);
            var allRoots = roots.Union(SharedPools.Roots(current)).ToList();
            var deleted = SnapshotPools.Collect(
                store, allRoots, current, published, previous.PoolEpoch == epoch, kept.Min(k => k.Generation),
                kept.Select(k => k.Epoch).OfType<string>().ToHashSet(StringComparer.Ordinal));
            CoreLog.PoolCollected(_logger, deleted);
        }
        catch (IOException e)
        {
            CoreLog.PoolNotCollected(_logger, e.Message);
        }
    }

    /// <summary>
    /// The in-place target as a tree, created (empty, and the --owner's when one is given) for the first publish; never a
    /// symlink. An existing target keeps its owner: it is the operator's directory.
    /// </summary>
    private static IDirectoryTree OpenInPlaceTarget(PublishLayout layout, PublishPolicy policy)
    {
        if (layout.State.FileSystem.TryStatPath(layout.Target) is null)
        {
            layout.TargetParent.CreateDirectory(layout.TargetName, 0x1ED);
            if (policy.Owner is { } owner)
            {
                layout.TargetParent.SetOwner(layout.TargetName, owner.Uid, owner.Gid);
            }

            layout.TargetParent.SyncDirectory(string.Empty);
        }

        return layout.State.FileSystem.TryOpenTree(layout.Target, followSymlink: false)
            ?? throw new SyncException(SyncErrorKind.Failure, $"in-place target '{layout.Target}' vanished");
    }

    private static string Describe(PublishMode mode) => mode == PublishMode.Snapshot ? "snapshot" : "in-place";
}

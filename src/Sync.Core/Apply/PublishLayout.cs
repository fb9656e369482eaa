using Sync.Core.FileSystem;
using Sync.Core.Posix;

namespace Sync.Core.Apply;

/// <summary>
/// Where one apply works, for a state, a target and a publish mode, and those places opened as trees. Staging and
/// the resume store live on the file system the generation is published on, so renames and hard links into it work:
/// under the state directory for snapshot mode (snapshots live there too), beside the target for in-place mode.
/// Owns the trees it opens; one apply uses it from one thread.
/// </summary>
public sealed class PublishLayout : IDisposable
{
    private const string SnapshotStaging = "staging/incoming";
    private const string SnapshotsDirectory = "snapshots";

    private IDirectoryTree? _targetParent;
    private IDirectoryTree? _staging;
    private IDirectoryTree? _objects;
    private IDirectoryTree? _published;
    private bool _publishedOpened;

    public PublishLayout(InsideState state, string target, PublishMode mode)
    {
        State = state;
        Target = Path.GetFullPath(target);
        Mode = mode;
    }

    public InsideState State { get; }

    /// <summary>The absolute path readers look at: a symlink (snapshot mode) or a directory (in-place).</summary>
    public string Target { get; }

    public PublishMode Mode { get; }

    public string TargetName => Path.GetFileName(Target);

    /// <summary>The directory holding the target, where the snapshot symlink is switched and in-place staging lives.</summary>
    public IDirectoryTree TargetParent => _targetParent ??= OpenTargetParent(State.FileSystem, Target)
        ?? throw SyncException.Usage($"the directory holding target '{Target}' does not exist; create it first");

    /// <summary>The staging directory as a tree, created when missing.</summary>
    public IDirectoryTree Staging
    {
        get
        {
            if (_staging is null)
            {
                var (parent, path) = StagingPlace();
                parent.CreateDirectories(path, 0x1C0);
                _staging = parent.OpenTree(path);
            }

            return _staging;
        }
    }

    /// <summary>Where received contents are staged, by digest.</summary>
    public IDirectoryTree Objects
    {
        get
        {
            if (_objects is null)
            {
                Staging.CreateDirectories("objects", 0x1C0);
                _objects = Staging.OpenTree("objects");
            }

            return _objects;
        }
    }

    /// <summary>The published generation's tree, or null when nothing is published.</summary>
    public IDirectoryTree? Published
    {
        get
        {
            if (!_publishedOpened)
            {
                _publishedOpened = true;
                _published = OpenPublished(State, Target);
            }

            return _published;
        }
    }

    /// <summary>The state's snapshots directory as a tree (snapshot mode).</summary>
    public IDirectoryTree OpenSnapshots()
    {
        State.Tree.CreateDirectories(SnapshotsDirectory);
        return State.Tree.OpenTree(SnapshotsDirectory);
    }

    /// <summary>Absolute path of a snapshot directory: what the target symlink points at.</summary>
    public string SnapshotPath(string name) => Path.Combine(State.SnapshotsRoot, name);

    public static string StagingDirectory(InsideState state, string target, PublishMode mode) => mode == PublishMode.Snapshot
        ? Path.Combine(state.Root, SnapshotStaging)
        : Beside(target, "sync-staging");

    public static string ResumeDirectory(InsideState state, string target, PublishMode mode) => mode == PublishMode.Snapshot
        ? Path.Combine(state.Root, "resume")
        : Beside(target, "sync-resume");

    /// <summary>The directory holding the published generation, or null when nothing is published.</summary>
    public static string? PublishedRoot(InsideState state, string target) => state.Published.Generation == 0
        ? null
        : state.Published.Mode == PublishMode.Snapshot ? state.Published.SnapshotDirectory : Path.GetFullPath(target);

    /// <summary>Removes the staging directory (and everything received into it).</summary>
    public void RemoveStaging()
    {
        _objects?.Dispose();
        _objects = null;
        _staging?.Dispose();
        _staging = null;
        var (parent, path) = StagingPlace();
        parent.RemoveTree(path);
    }

    /// <summary>Forgets the published tree, which a publish has just replaced.</summary>
    public void ForgetPublished()
    {
        _published?.Dispose();
        _published = null;
        _publishedOpened = false;
    }

    public void Dispose()
    {
        _objects?.Dispose();
        _staging?.Dispose();
        _published?.Dispose();
        _targetParent?.Dispose();
    }

    internal static IDirectoryTree? OpenTargetParent(IFileSystem fileSystem, string target) =>
        fileSystem.TryOpenTree(Path.GetDirectoryName(Path.GetFullPath(target))!);

    /// <summary>
    /// The published generation as one tree, as readers see it through the target (snapshot mode: the snapshot, its shared
    /// roots routed into the pool store), or null when nothing is published.
    /// </summary>
    public static IDirectoryTree? OpenPublished(InsideState state, string target)
    {
        var published = state.Published;
        if (published.Generation == 0)
        {
            return null;
        }

        if (published.Mode == PublishMode.InPlace)
        {
            return state.FileSystem.TryOpenTree(Path.GetFullPath(target), followSymlink: false);
        }

        var name = Path.GetFileName(published.SnapshotDirectory ?? string.Empty);
        var path = TreePath.Combine(SnapshotsDirectory, name);
        if (name.Length == 0 || state.Tree.TryStat(path) is not { Kind: UnixFileKind.Directory })
        {
            return null;
        }

        var snapshot = state.Tree.OpenTree(path);
        if (published is not { PoolEpoch: { } epoch, SharedRoots: { Count: > 0 } roots })
        {
            return snapshot;
        }

        // The snapshot's shared roots are symlinks into the pool store, which a tree never follows: route them.
        var routes = new Dictionary<string, IDirectoryTree>(StringComparer.Ordinal);
        foreach (var root in roots)
        {
            if (PoolStore.OpenRoot(state, epoch, root) is { } tree)
            {
                routes[root] = tree;
            }
        }

        return new RoutedTree(snapshot, routes, ownsTrees: true);
    }

    private (IDirectoryTree Parent, string Path) StagingPlace() => Mode == PublishMode.Snapshot
        ? (State.Tree, SnapshotStaging)
        : (TargetParent, "." + TargetName + ".sync-staging");

    private static string Beside(string target, string what)
    {
        var full = Path.GetFullPath(target);
        return Path.Combine(Path.GetDirectoryName(full)!, "." + Path.GetFileName(full) + "." + what);
    }
}

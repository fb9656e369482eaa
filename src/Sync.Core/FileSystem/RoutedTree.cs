using Sync.Core.Posix;

namespace Sync.Core.FileSystem;

/// <summary>
/// One tree made of several: paths at or below each route go to that route's tree (the route's own path becoming its
/// root), everything else to the main tree. A snapshot whose pool lives in a shared store (the snapshot holds a
/// symlink at `pool`, which a tree never follows) reads as one tree through this. Disposes the trees it routes to
/// when it owns them.
/// </summary>
public sealed class RoutedTree : IDirectoryTree
{
    private readonly IDirectoryTree _main;
    private readonly IReadOnlyDictionary<string, IDirectoryTree> _routes;
    private readonly bool _ownsTrees;

    public RoutedTree(IDirectoryTree main, IReadOnlyDictionary<string, IDirectoryTree> routes, bool ownsTrees = false)
    {
        _main = main;
        _routes = routes;
        _ownsTrees = ownsTrees;
    }

    public string Root => _main.Root;

    public IFileSystem FileSystem => _main.FileSystem;

    public IDirectoryTree OpenTree(string path) => Route(path, out var rest).OpenTree(rest);

    public FileStatus? TryStat(string path) => Route(path, out var rest).TryStat(rest);

    public IReadOnlyList<string> List(string path) => Route(path, out var rest).List(rest);

    public string ReadLink(string path) => Route(path, out var rest).ReadLink(rest);

    public void CreateDirectory(string path, int mode) => Route(path, out var rest).CreateDirectory(rest, mode);

    public void CreateSymlink(string path, string target) => Route(path, out var rest).CreateSymlink(rest, target);

    public IFileHandle CreateFile(string path, int mode) => Route(path, out var rest).CreateFile(rest, mode);

    public IFileHandle? TryCreateDirect(string path, int mode, long length) => Route(path, out var rest).TryCreateDirect(rest, mode, length);

    public IFileHandle OpenRead(string path) => Route(path, out var rest).OpenRead(rest);

    public IFileHandle? TryOpenReadDirect(string path) => Route(path, out var rest).TryOpenReadDirect(rest);

    public IFileHandle OpenWrite(string path) => Route(path, out var rest).OpenWrite(rest);

    public void Link(string existing, IDirectoryTree destinationTree, string destination) =>
        Route(existing, out var rest).Link(rest, Unwrap(destinationTree, destination, out var to), to);

    public void Rename(string from, IDirectoryTree destinationTree, string to) =>
        Route(from, out var rest).Rename(rest, Unwrap(destinationTree, to, out var target), target);

    public void Exchange(string path, IDirectoryTree otherTree, string otherPath) =>
        Route(path, out var rest).Exchange(rest, Unwrap(otherTree, otherPath, out var other), other);

    public void DeleteFile(string path) => Route(path, out var rest).DeleteFile(rest);

    public void DeleteDirectory(string path) => Route(path, out var rest).DeleteDirectory(rest);

    public void SetMode(string path, int mode) => Route(path, out var rest).SetMode(rest, mode);

    public void SetMtime(string path, long mtimeNs) => Route(path, out var rest).SetMtime(rest, mtimeNs);

    public void SetOwner(string path, int uid, int gid) => Route(path, out var rest).SetOwner(rest, uid, gid);

    public void SyncDirectory(string path) => Route(path, out var rest).SyncDirectory(rest);

    public void SyncFileSystem() => _main.SyncFileSystem();

    public IDisposable? TryLock(string path) => Route(path, out var rest).TryLock(rest);

    public void Dispose()
    {
        if (!_ownsTrees)
        {
            return;
        }

        foreach (var tree in _routes.Values)
        {
            tree.Dispose();
        }

        _main.Dispose();
    }

    /// <summary>The tree a path belongs to, and the path within it.</summary>
    private IDirectoryTree Route(string path, out string rest)
    {
        TreePath.Check(path);
        foreach (var (root, tree) in _routes)
        {
            if (path == root)
            {
                rest = string.Empty;
                return tree;
            }

            if (path.Length > root.Length && path[root.Length] == '/' && path.StartsWith(root, StringComparison.Ordinal))
            {
                rest = path[(root.Length + 1)..];
                return tree;
            }
        }

        rest = path;
        return _main;
    }

    private static IDirectoryTree Unwrap(IDirectoryTree tree, string path, out string rest)
    {
        if (tree is RoutedTree routed)
        {
            return routed.Route(path, out rest);
        }

        rest = path;
        return tree;
    }
}

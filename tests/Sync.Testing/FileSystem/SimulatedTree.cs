using Sync.Core.FileSystem;
using Sync.Core.Posix;

namespace Sync.Testing.FileSystem;

/// <summary>
/// A tree of the simulated file system, held by its directory's inode as a descriptor would be. Resolves paths as
/// the real tree does: no symlink is followed, a path never leaves the tree, and errors carry the errno Linux gives.
/// </summary>
internal sealed class SimulatedTree : IDirectoryTree
{
    private const int EEXIST = 17;
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;
    private const int EISDIR = 21;
    private const int ENOTEMPTY = 39;
    private const int ELOOP = 40;
    private const int EPERM = 1;
    private const int EOPNOTSUPP = 95;

    private readonly SimulatedFileSystem _fileSystem;
    private readonly int _root;

    public SimulatedTree(SimulatedFileSystem fileSystem, string root, int id)
    {
        _fileSystem = fileSystem;
        Root = root;
        _root = id;
    }

    public string Root { get; }

    public IFileSystem FileSystem => _fileSystem;

    public IDirectoryTree OpenTree(string path)
    {
        _fileSystem.CheckPower();
        var id = path.Length == 0 ? _root : Directory(path);
        return new SimulatedTree(_fileSystem, Path.Join(Root, path), id);
    }

    public FileStatus? TryStat(string path)
    {
        _fileSystem.CheckPower();
        TreePath.Check(path);
        if (path.Length == 0)
        {
            return SimulatedFileSystem.Status(_fileSystem.Node(_root));
        }

        var (parent, name) = TreePath.Split(path);
        int dir;
        try
        {
            dir = Directory(parent);
        }
        catch (TreePathException)
        {
            return null;
        }

        return _fileSystem.Node(dir).Entries!.TryGetValue(name, out var id) ? SimulatedFileSystem.Status(_fileSystem.Node(id)) : null;
    }

    public IReadOnlyList<string> List(string path)
    {
        _fileSystem.CheckPower();
        return [.. _fileSystem.Node(path.Length == 0 ? _root : Directory(path)).Entries!.Keys];
    }

    public string ReadLink(string path)
    {
        var node = Existing(path);
        return node.Kind == UnixFileKind.Symlink ? node.LinkTarget! : throw new IOException($"'{path}' is not a symlink", 22);
    }

    public void CreateDirectory(string path, int mode) => Create(path, UnixFileKind.Directory, mode, null);

    public void CreateSymlink(string path, string target) => Create(path, UnixFileKind.Symlink, 0x1FF, target);

    public IFileHandle CreateFile(string path, int mode) =>
        new SimulatedFileHandle(_fileSystem, Create(path, UnixFileKind.File, mode, null), writable: true);

    public IFileHandle? TryCreateDirect(string path, int mode, long length)
    {
        _fileSystem.CheckPower();
        return null;
    }

    public IFileHandle OpenRead(string path) => new SimulatedFileHandle(_fileSystem, RegularFile(path), writable: false);

    public IFileHandle? TryOpenReadDirect(string path)
    {
        _fileSystem.CheckPower();
        return null;
    }

    public IFileHandle OpenWrite(string path) => new SimulatedFileHandle(_fileSystem, RegularFile(path), writable: true);

    public void Link(string existing, IDirectoryTree destinationTree, string destination)
    {
        var other = (SimulatedTree)destinationTree;
        var (dir, name) = Parent(existing);
        var (toDir, toName) = other.Parent(destination);
        _fileSystem.Step();
        if (!_fileSystem.Node(dir).Entries!.TryGetValue(name, out var id))
        {
            throw Error("hard-link", existing, ENOENT);
        }

        if (_fileSystem.Node(id).Kind == UnixFileKind.Directory)
        {
            throw Error("hard-link", existing, EPERM);
        }

        if (_fileSystem.Node(toDir).Entries!.ContainsKey(toName))
        {
            throw other.Error("hard-link", destination, EEXIST);
        }

        _fileSystem.Record([(toDir, toName, id)]);
    }

    public void Rename(string from, IDirectoryTree destinationTree, string to)
    {
        var other = (SimulatedTree)destinationTree;
        var (dir, name) = Parent(from);
        var (toDir, toName) = other.Parent(to);
        _fileSystem.Step();
        if (!_fileSystem.Node(dir).Entries!.TryGetValue(name, out var id))
        {
            throw Error("rename", from, ENOENT);
        }

        if (_fileSystem.Node(toDir).Entries!.TryGetValue(toName, out var replaced))
        {
            if (replaced == id)
            {
                return;
            }

            var moving = _fileSystem.Node(id).Kind == UnixFileKind.Directory;
            var victim = _fileSystem.Node(replaced);
            if (moving && victim.Kind != UnixFileKind.Directory)
            {
                throw other.Error("rename to", to, ENOTDIR);
            }

            if (!moving && victim.Kind == UnixFileKind.Directory)
            {
                throw other.Error("rename to", to, EISDIR);
            }

            if (victim.Kind == UnixFileKind.Directory && victim.Entries!.Count > 0)
            {
                throw other.Error("rename to", to, ENOTEMPTY);
            }
        }

        _fileSystem.Record([(dir, name, null), (toDir, toName, id)]);
    }

    public void Exchange(string path, IDirectoryTree otherTree, string otherPath)
    {
        var other = (SimulatedTree)otherTree;
        var (dir, name) = Parent(path);
        var (otherDir, otherName) = other.Parent(otherPath);
        _fileSystem.Step();
        if (!_fileSystem.Node(dir).Entries!.TryGetValue(name, out var a))
        {
            throw Error("exchange", path, ENOENT);
        }

        if (!_fileSystem.Node(otherDir).Entries!.TryGetValue(otherName, out var b))
        {
            throw other.Error("exchange", otherPath, ENOENT);
        }

        _fileSystem.Record([(dir, name, b), (otherDir, otherName, a)]);
    }

    public void DeleteFile(string path)
    {
        var (dir, name) = Parent(path);
        _fileSystem.Step();
        if (!_fileSystem.Node(dir).Entries!.TryGetValue(name, out var id))
        {
            throw Error("delete", path, ENOENT);
        }

        if (_fileSystem.Node(id).Kind == UnixFileKind.Directory)
        {
            throw Error("delete", path, EISDIR);
        }

        _fileSystem.Record([(dir, name, null)]);
    }

    public void DeleteDirectory(string path)
    {
        var (dir, name) = Parent(path);
        _fileSystem.Step();
        if (!_fileSystem.Node(dir).Entries!.TryGetValue(name, out var id))
        {
            throw Error("remove the directory", path, ENOENT);
        }

        var node = _fileSystem.Node(id);
        if (node.Kind != UnixFileKind.Directory)
        {
            throw Error("remove the directory", path, ENOTDIR);
        }

        if (node.Entries!.Count > 0)
        {
            throw Error("remove the directory", path, ENOTEMPTY);
        }

        _fileSystem.Record([(dir, name, null)]);
    }

    public void SetMode(string path, int mode)
    {
        var node = path.Length == 0 ? _fileSystem.Node(_root) : Existing(path);
        _fileSystem.Step();
        if (node.Kind == UnixFileKind.Symlink)
        {
            throw Error("set the mode of", path, EOPNOTSUPP);
        }

        node.Mode = mode & 0xFFF;
    }

    public void SetMtime(string path, long mtimeNs)
    {
        var node = path.Length == 0 ? _fileSystem.Node(_root) : Existing(path);
        _fileSystem.Step();
        node.MtimeNs = mtimeNs;
    }

    public void SetOwner(string path, int uid, int gid)
    {
        var node = path.Length == 0 ? _fileSystem.Node(_root) : Existing(path);
        _fileSystem.Step();
        node.Uid = uid;
        node.Gid = gid;
    }

    public void SyncDirectory(string path)
    {
        var id = path.Length == 0 ? _root : Directory(path);
        _fileSystem.Step();
        _fileSystem.SyncDirectory(id);
    }

    public void SyncFileSystem()
    {
        _fileSystem.Step();
        _fileSystem.SyncAll();
    }

    public IDisposable? TryLock(string path)
    {
        var (dir, name) = Parent(path);
        if (!_fileSystem.Node(dir).Entries!.TryGetValue(name, out var id))
        {
            _fileSystem.Step();
            id = _fileSystem.CreateNode(dir, name, UnixFileKind.File, 0x1A4, null).Id;
        }

        var node = _fileSystem.Node(id);
        if (node.Locked)
        {
            return null;
        }

        node.Locked = true;
        return new Held(node);
    }

    public void Dispose()
    {
    }

    private SimulatedNode Create(string path, UnixFileKind kind, int mode, string? target)
    {
        var (dir, name) = Parent(path);
        _fileSystem.Step();
        if (_fileSystem.Node(dir).Entries!.ContainsKey(name))
        {
            throw Error("create", path, EEXIST);
        }

        return _fileSystem.CreateNode(dir, name, kind, mode, target);
    }

    private SimulatedNode RegularFile(string path)
    {
        var node = Existing(path);
        return node.Kind switch
        {
            UnixFileKind.File => node,
            UnixFileKind.Symlink => throw new TreePathException($"'{Path.Join(Root, path)}' is a symlink, not a file", ELOOP),
            _ => throw new IOException($"'{Path.Join(Root, path)}' is not a regular file"),
        };
    }

    private SimulatedNode Existing(string path)
    {
        var (dir, name) = Parent(path);
        return _fileSystem.Node(dir).Entries!.TryGetValue(name, out var id) ? _fileSystem.Node(id) : throw Error("find", path, ENOENT);
    }

    private (int Directory, string Name) Parent(string path)
    {
        _fileSystem.CheckPower();
        if (path.Length == 0)
        {
            throw new ArgumentException("the tree itself has no parent here", nameof(path));
        }

        var (parent, name) = TreePath.Split(path);
        return (Directory(parent), name);
    }

    /// <summary>A directory of the tree, reached without following any symlink.</summary>
    private int Directory(string path)
    {
        TreePath.Check(path);
        var current = _root;
        if (path.Length == 0)
        {
            return current;
        }

        foreach (var component in path.Split('/'))
        {
            if (!_fileSystem.Node(current).Entries!.TryGetValue(component, out var next))
            {
                throw new TreePathException($"'{Path.Join(Root, path)}' does not exist", ENOENT);
            }

            var node = _fileSystem.Node(next);
            if (node.Kind == UnixFileKind.Symlink)
            {
                throw new TreePathException($"'{Path.Join(Root, path)}' passes through a symlink", ELOOP);
            }

            if (node.Kind != UnixFileKind.Directory)
            {
                throw new TreePathException($"'{Path.Join(Root, path)}' passes through something that is not a directory", ENOTDIR);
            }

            current = next;
        }

        return current;
    }

    private IOException Error(string what, string path, int errno) => new($"cannot {what} '{Path.Join(Root, path)}': errno {errno}", errno);

    private sealed class Held(SimulatedNode node) : IDisposable
    {
        public void Dispose() => node.Locked = false;
    }
}

using Sync.Core.Posix;
using System.Runtime.InteropServices;
using System.Text;
using static Sync.Core.FileSystem.LinuxNative;

namespace Sync.Core.FileSystem;

/// <summary>
/// A tree on Linux: a directory file descriptor, every path below it resolved with openat2(RESOLVE_BENEATH |
/// RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) down to the parent, then the *at call on the last component with
/// AT_SYMLINK_NOFOLLOW (or O_NOFOLLOW). Where openat2 is missing (kernels before 5.6, or a seccomp filter), the parent
/// is reached one component at a time with openat(O_NOFOLLOW | O_DIRECTORY), which gives the same guarantee.
/// The parent last resolved is kept open, because a publish works through sorted paths whose neighbours share their
/// parent; any rename or removal forgets it, since the name may then stand for another directory.
/// </summary>
internal sealed class LinuxDirectoryTree : IDirectoryTree
{
    private static bool _openAt2Missing;

    private readonly int _fd;
    private string? _cachedParent;
    private int _cachedFd = -1;
    private bool _disposed;

    public LinuxDirectoryTree(LinuxFileSystem fileSystem, string root, int fd)
    {
        FileSystem = fileSystem;
        Root = root;
        _fd = fd;
    }

    public string Root { get; }

    public IFileSystem FileSystem { get; }

    /// <summary>For tests: resolve component by component as on a kernel without openat2.</summary>
    internal static bool ForceComponentWalk { get; set; }

    public IDirectoryTree OpenTree(string path) => new LinuxDirectoryTree((LinuxFileSystem)FileSystem, Describe(path), OpenDirectoryOwned(path));

    public FileStatus? TryStat(string path)
    {
        Span<byte> buffer = stackalloc byte[StatxBuffer.Size];
        int result;
        if (path.Length == 0)
        {
            result = Statx(_fd, string.Empty, AtEmptyPath | AtSymlinkNoFollow, StatxBuffer.BasicStats, ref MemoryMarshal.GetReference(buffer));
        }
        else
        {
            var (parent, name) = TreePath.Split(path);
            int dir;
            try
            {
                dir = Parent(parent);
            }
            catch (TreePathException)
            {
                return null;
            }

            result = Statx(dir, name, AtSymlinkNoFollow, StatxBuffer.BasicStats, ref MemoryMarshal.GetReference(buffer));
        }

        if (result != 0)
        {
            var errno = LastError;
            return errno is ENOENT or ENOTDIR ? null : throw Failure("stat", path, errno);
        }

        return StatxBuffer.Parse(buffer);
    }

    public IReadOnlyList<string> List(string path)
    {
        var fd = OpenDirectoryOwned(path);
        var dir = FdOpenDir(fd);
        if (dir == 0)
        {
            var errno = LastError;
            _ = Close(fd);
            throw Failure("list", path, errno);
        }

        var names = new List<string>();
        try
        {
            while (true)
            {
                var entry = ReadDir(dir);
                if (entry == 0)
                {
                    break;
                }

                var name = Marshal.PtrToStringUTF8(entry + 19)!; // struct dirent: d_ino, d_off, d_reclen, d_type, d_name
                if (name is not "." and not "..")
                {
                    names.Add(name);
                }
            }
        }
        finally
        {
            _ = CloseDir(dir);
        }

        return names;
    }

    public string ReadLink(string path)
    {
        var (dir, name) = Resolve(path);
        Span<byte> buffer = stackalloc byte[4097];
        var length = ReadLinkAt(dir, name, ref MemoryMarshal.GetReference(buffer), (nuint)buffer.Length);
        if (length < 0)
        {
            throw Failure("read the link", path, LastError);
        }

        if (length >= buffer.Length)
        {
            throw new IOException($"link target of '{Describe(path)}' is too long");
        }

        return Encoding.UTF8.GetString(buffer[..(int)length]);
    }

    public void CreateDirectory(string path, int mode)
    {
        var (dir, name) = Resolve(path);
        Check(MkdirAt(dir, name, mode), "create the directory", path);
    }

    public void CreateSymlink(string path, string target)
    {
        var (dir, name) = Resolve(path);
        Check(SymlinkAt(target, dir, name), "create the symlink", path);
    }

    public IFileHandle CreateFile(string path, int mode)
    {
        var (dir, name) = Resolve(path);
        var fd = OpenAt(dir, name, ORdWr | OCreat | OExcl | ONoFollow | OCloExec, mode);
        return fd < 0 ? throw Failure("create", path, LastError) : new LinuxFileHandle(fd, isDirect: false);
    }

    public IFileHandle? TryCreateDirect(string path, int mode, long length)
    {
        if (ODirect == 0)
        {
            return null;
        }

        var (dir, name) = Resolve(path);
        var fd = OpenAt(dir, name, ORdWr | OCreat | OExcl | ONoFollow | OCloExec | ODirect, mode);
        if (fd < 0)
        {
            var errno = LastError;
            return errno == EINVAL ? null : throw Failure("create", path, errno);
        }

        var handle = new LinuxFileHandle(fd, isDirect: true);
        try
        {
            Posix.Posix.Reserve(handle.Handle, Describe(path), length); // never more than is free; released if it fails
        }
        catch
        {
            handle.Dispose();
            _ = UnlinkAt(dir, name, 0);
            throw;
        }

        return handle;
    }

    public IFileHandle OpenRead(string path) => OpenExisting(path, ORdOnly, "open");

    public IFileHandle OpenWrite(string path) => OpenExisting(path, ORdWr, "open for writing");

    public void Link(string existing, IDirectoryTree destinationTree, string destination)
    {
        var other = Same(destinationTree);
        using var from = ResolveOwned(existing);
        using var to = other.ResolveOwned(destination);
        Check(LinkAt(from.Dir, from.Name, to.Dir, to.Name, 0), "hard-link", destination, other);
    }

    public void Rename(string from, IDirectoryTree destinationTree, string to)
    {
        var other = Same(destinationTree);
        int result;
        using (var source = ResolveOwned(from))
        using (var destination = other.ResolveOwned(to))
        {
            result = RenameAt2(source.Dir, source.Name, destination.Dir, destination.Name, 0);
        }

        var errno = result == 0 ? 0 : LastError;
        Forget();
        other.Forget();
        if (result != 0)
        {
            throw Failure("rename to", to, errno, other);
        }
    }

    public void Exchange(string path, IDirectoryTree otherTree, string otherPath)
    {
        var other = Same(otherTree);
        int result;
        using (var a = ResolveOwned(path))
        using (var b = other.ResolveOwned(otherPath))
        {
            result = RenameAt2(a.Dir, a.Name, b.Dir, b.Name, RenameExchange);
        }

        var errno = result == 0 ? 0 : LastError;
        Forget();
        other.Forget();
        if (result != 0)
        {
            throw Failure("exchange", otherPath, errno, other);
        }
    }

    public void DeleteFile(string path)
    {
        var (dir, name) = Resolve(path);
        Check(UnlinkAt(dir, name, 0), "delete", path);
    }

    public void DeleteDirectory(string path)
    {
        var (dir, name) = Resolve(path);
        var result = UnlinkAt(dir, name, AtRemoveDir);
        var errno = result == 0 ? 0 : LastError;
        Forget();
        if (result != 0)
        {
            throw Failure("remove the directory", path, errno);
        }
    }

    public void SetMode(string path, int mode)
    {
        if (path.Length == 0)
        {
            Check(Fchmod(_fd, mode), "set the mode of", path);
            return;
        }

        // glibc does AT_SYMLINK_NOFOLLOW through an O_PATH descriptor, and refuses a symlink (EOPNOTSUPP).
        var (dir, name) = Resolve(path);
        Check(FchmodAt(dir, name, mode, AtSymlinkNoFollow), "set the mode of", path);
    }

    public void SetMtime(string path, long mtimeNs)
    {
        Span<long> times = stackalloc long[4];
        LinuxFileHandle.FillTimes(times, mtimeNs);
        if (path.Length == 0)
        {
            Check(UtimensAt(_fd, string.Empty, ref MemoryMarshal.GetReference(times), AtEmptyPath), "set the time of", path);
            return;
        }

        var (dir, name) = Resolve(path);
        Check(UtimensAt(dir, name, ref MemoryMarshal.GetReference(times), AtSymlinkNoFollow), "set the time of", path);
    }

    public void SetOwner(string path, int uid, int gid)
    {
        if (path.Length == 0)
        {
            Check(FchownAt(_fd, string.Empty, uid, gid, AtEmptyPath | AtSymlinkNoFollow), "set the owner of", path);
            return;
        }

        var (dir, name) = Resolve(path);
        Check(FchownAt(dir, name, uid, gid, AtSymlinkNoFollow), "set the owner of", path);
    }

    public void SyncDirectory(string path)
    {
        if (path.Length == 0)
        {
            Check(Fsync(_fd), "fsync", path);
            return;
        }

        var fd = OpenDirectoryOwned(path);
        try
        {
            Check(Fsync(fd), "fsync", path);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    public void SyncFileSystem() => Check(Syncfs(_fd), "sync the file system of", string.Empty);

    public IDisposable? TryLock(string path)
    {
        var (dir, name) = Resolve(path);
        var fd = OpenAt(dir, name, ORdWr | OCreat | ONoFollow | OCloExec, 0x1A4);
        if (fd < 0)
        {
            throw Failure("open", path, LastError);
        }

        if (Flock(fd, 2 /* LOCK_EX */ | 4 /* LOCK_NB */) != 0)
        {
            var errno = LastError;
            _ = Close(fd);
            return errno == EWOULDBLOCK ? null : throw Failure("lock", path, errno);
        }

        return new LinuxFileHandle(fd, isDirect: false);
    }

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Forget();
            _ = Close(_fd);
        }
    }

    /// <summary>The parent directory's descriptor (owned by this tree) and the last component.</summary>
    internal (int Dir, string Name) Resolve(string path)
    {
        if (path.Length == 0)
        {
            throw new ArgumentException("the tree itself has no parent here", nameof(path));
        }

        var (parent, name) = TreePath.Split(path);
        return (Parent(parent), name);
    }

    /// <summary>Like <see cref="Resolve"/>, but the descriptor is the caller's, so two of them can be held at once.</summary>
    private OwnedParent ResolveOwned(string path)
    {
        if (path.Length == 0)
        {
            throw new ArgumentException("the tree itself has no parent here", nameof(path));
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        var (parent, name) = TreePath.Split(path);
        return parent.Length == 0 ? new OwnedParent(_fd, name, false) : new OwnedParent(OpenDirectoryOwned(parent), name, true);
    }

    private readonly record struct OwnedParent(int Dir, string Name, bool Owned) : IDisposable
    {
        public void Dispose()
        {
            if (Owned)
            {
                _ = Close(Dir);
            }
        }
    }

    private int Parent(string parent)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (parent.Length == 0)
        {
            return _fd;
        }

        if (_cachedParent == parent)
        {
            return _cachedFd;
        }

        var fd = OpenDirectoryOwned(parent);
        Forget();
        _cachedParent = parent;
        _cachedFd = fd;
        return fd;
    }

    /// <summary>Opens a directory of the tree; the caller closes the descriptor.</summary>
    private int OpenDirectoryOwned(string path)
    {
        TreePath.Check(path);
        if (path.Length == 0)
        {
            // A new open file description, not dup(): a directory's read position is shared between duplicates.
            var self = OpenAt(_fd, ".", ORdOnly | OCloExec | ODirectory, 0);
            return self < 0 ? throw Failure("open", path, LastError) : self;
        }

        const int flags = ORdOnly | OCloExec;
        if (!_openAt2Missing && !ForceComponentWalk)
        {
            var how = new OpenHow
            {
                Flags = (ulong)(flags | ODirectory | ONoFollow),
                Resolve = ResolveBeneath | ResolveNoSymlinks | ResolveNoMagicLinks,
            };
            var fd = OpenAt2(_fd, path, ref how);
            if (fd >= 0)
            {
                return fd;
            }

            var errno = LastError;
            if (errno is not ENOSYS and not EPERM)
            {
                throw Unresolvable(path, errno);
            }

            _openAt2Missing = true;
        }

        var current = _fd;
        foreach (var component in path.Split('/'))
        {
            var next = OpenAt(current, component, flags | ODirectory | ONoFollow, 0);
            var errno = next < 0 ? LastError : 0;
            if (current != _fd)
            {
                _ = Close(current);
            }

            if (next < 0)
            {
                throw Unresolvable(path, errno);
            }

            current = next;
        }

        return current;
    }

    private IFileHandle OpenExisting(string path, int access, string what)
    {
        var (dir, name) = Resolve(path);
        var fd = OpenAt(dir, name, access | ONoFollow | ONonBlock | OCloExec, 0);
        if (fd < 0)
        {
            var errno = LastError;
            throw errno == ELOOP
                ? new TreePathException($"'{Describe(path)}' is a symlink, not a file", errno)
                : Failure(what, path, errno);
        }

        var handle = new LinuxFileHandle(fd, isDirect: false);
        if (handle.Stat().Kind != UnixFileKind.File)
        {
            handle.Dispose();
            throw new IOException($"'{Describe(path)}' is not a regular file");
        }

        return handle;
    }

    private void Forget()
    {
        if (_cachedFd >= 0)
        {
            _ = Close(_cachedFd);
        }

        _cachedFd = -1;
        _cachedParent = null;
    }

    private LinuxDirectoryTree Same(IDirectoryTree other) =>
        other as LinuxDirectoryTree ?? throw new ArgumentException("both trees must be on the real file system", nameof(other));

    private string Describe(string path) => path.Length == 0 ? Root : Path.Join(Root, path);

    private TreePathException Unresolvable(string path, int errno) => errno switch
    {
        ELOOP => new TreePathException($"'{Describe(path)}' passes through a symlink", errno),
        EXDEV => new TreePathException($"'{Describe(path)}' leaves '{Root}'", errno),
        ENOTDIR => new TreePathException($"'{Describe(path)}' passes through something that is not a directory", errno),
        ENOENT => new TreePathException($"'{Describe(path)}' does not exist", errno),
        _ => new TreePathException($"cannot open '{Describe(path)}': {LinuxNative.Describe(errno)}", errno),
    };

    private void Check(int result, string what, string path, LinuxDirectoryTree? tree = null)
    {
        if (result != 0)
        {
            throw Failure(what, path, LastError, tree);
        }
    }

    private IOException Failure(string what, string path, int errno, LinuxDirectoryTree? tree = null) =>
        new($"cannot {what} '{(tree ?? this).Describe(path)}': {LinuxNative.Describe(errno)}", errno);
}

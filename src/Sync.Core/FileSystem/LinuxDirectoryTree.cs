using Sync.Core.Posix;
using System.Runtime.InteropServices;
using System.Text;
using static Sync.Core.FileSystem.LinuxNative;

namespace Sync.Core.FileSystem;

/// <summary>
/// A tree on Linux: every path below its directory descriptor is resolved to its parent by a
/// <see cref="BeneathResolver"/> (never through a symlink, never out of the tree), then the *at call on the last
/// component runs with AT_SYMLINK_NOFOLLOW (or O_NOFOLLOW). Any rename or removal forgets the resolver's kept parent.
/// </summary>
internal sealed class LinuxDirectoryTree : IDirectoryTree
{
    private readonly BeneathResolver _resolver;

    public LinuxDirectoryTree(LinuxFileSystem fileSystem, string root, int fd)
    {
        FileSystem = fileSystem;
        _resolver = new BeneathResolver(root, fd);
    }

    public string Root => _resolver.Root;

    public IFileSystem FileSystem { get; }

    /// <summary>For tests: resolve component by component as on a kernel without openat2.</summary>
    internal static bool ForceComponentWalk
    {
        get => BeneathResolver.ForceComponentWalk;
        set => BeneathResolver.ForceComponentWalk = value;
    }

    public IDirectoryTree OpenTree(string path) => new LinuxDirectoryTree((LinuxFileSystem)FileSystem, _resolver.Describe(path), _resolver.OpenDirectoryOwned(path));

    public FileStatus? TryStat(string path)
    {
        Span<byte> buffer = stackalloc byte[StatxBuffer.Size];
        int result;
        if (path.Length == 0)
        {
            result = Statx(_resolver.Fd, string.Empty, AtEmptyPath | AtSymlinkNoFollow, StatxBuffer.BasicStats, ref MemoryMarshal.GetReference(buffer));
        }
        else
        {
            var (parent, name) = TreePath.Split(path);
            int dir;
            try
            {
                dir = _resolver.Parent(parent);
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
        var fd = _resolver.OpenDirectoryOwned(path);
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
        var (dir, name) = _resolver.Resolve(path);
        Span<byte> buffer = stackalloc byte[4097];
        var length = ReadLinkAt(dir, name, ref MemoryMarshal.GetReference(buffer), (nuint)buffer.Length);
        if (length < 0)
        {
            throw Failure("read the link", path, LastError);
        }

        if (length >= buffer.Length)
        {
            throw new IOException($"link target of '{_resolver.Describe(path)}' is too long");
        }

        return Encoding.UTF8.GetString(buffer[..(int)length]);
    }

    public void CreateDirectory(string path, int mode)
    {
        var (dir, name) = _resolver.Resolve(path);
        Check(MkdirAt(dir, name, mode), "create the directory", path);
    }

    public void CreateSymlink(string path, string target)
    {
        var (dir, name) = _resolver.Resolve(path);
        Check(SymlinkAt(target, dir, name), "create the symlink", path);
    }

    public IFileHandle CreateFile(string path, int mode)
    {
        var (dir, name) = _resolver.Resolve(path);
        var fd = OpenAt(dir, name, ORdWr | OCreat | OExcl | ONoFollow | OCloExec, mode);
        return fd < 0 ? throw Failure("create", path, LastError) : new LinuxFileHandle(fd, isDirect: false);
    }

    public IFileHandle? TryCreateDirect(string path, int mode, long length)
    {
        if (ODirect == 0)
        {
            return null;
        }

        var (dir, name) = _resolver.Resolve(path);
        var fd = OpenAt(dir, name, ORdWr | OCreat | OExcl | ONoFollow | OCloExec | ODirect, mode);
        if (fd < 0)
        {
            var errno = LastError;
            return errno == EINVAL ? null : throw Failure("create", path, errno);
        }

        var handle = new LinuxFileHandle(fd, isDirect: true);
        try
        {
            Posix.Posix.Reserve(handle.Handle, _resolver.Describe(path), length); // never more than is free; released if it fails
        }
        catch
        {
            handle.Dispose();
            _ = UnlinkAt(dir, name, 0);
            throw;
        }

        return handle;
    }

    public IFileHandle OpenRead(string path) => OpenExisting(path, ORdOnly, "open")!;

    public IFileHandle? TryOpenReadDirect(string path) => ODirect == 0 ? null : OpenExisting(path, ORdOnly | ODirect, "open");

    public IFileHandle OpenWrite(string path) => OpenExisting(path, ORdWr, "open for writing")!;

    public void Link(string existing, IDirectoryTree destinationTree, string destination)
    {
        var other = Same(destinationTree);
        using var from = _resolver.ResolveOwned(existing);
        using var to = other._resolver.ResolveOwned(destination);
        Check(LinkAt(from.Dir, from.Name, to.Dir, to.Name, 0), "hard-link", destination, other);
    }

    public void Rename(string from, IDirectoryTree destinationTree, string to)
    {
        var other = Same(destinationTree);
        int result;
        using (var source = _resolver.ResolveOwned(from))
        using (var destination = other._resolver.ResolveOwned(to))
        {
            result = RenameAt2(source.Dir, source.Name, destination.Dir, destination.Name, 0);
        }

        var errno = result == 0 ? 0 : LastError;
        _resolver.Forget();
        other._resolver.Forget();
        if (result != 0)
        {
            throw Failure("rename to", to, errno, other);
        }
    }

    public void Exchange(string path, IDirectoryTree otherTree, string otherPath)
    {
        var other = Same(otherTree);
        int result;
        using (var a = _resolver.ResolveOwned(path))
        using (var b = other._resolver.ResolveOwned(otherPath))
        {
            result = RenameAt2(a.Dir, a.Name, b.Dir, b.Name, RenameExchange);
        }

        var errno = result == 0 ? 0 : LastError;
        _resolver.Forget();
        other._resolver.Forget();
        if (result != 0)
        {
            throw Failure("exchange", otherPath, errno, other);
        }
    }

    public void DeleteFile(string path)
    {
        var (dir, name) = _resolver.Resolve(path);
        Check(UnlinkAt(dir, name, 0), "delete", path);
    }

    public void DeleteDirectory(string path)
    {
        var (dir, name) = _resolver.Resolve(path);
        var result = UnlinkAt(dir, name, AtRemoveDir);
        var errno = result == 0 ? 0 : LastError;
        _resolver.Forget();
        if (result != 0)
        {
            throw Failure("remove the directory", path, errno);
        }
    }

    public void SetMode(string path, int mode)
    {
        if (path.Length == 0)
        {
            Check(Fchmod(_resolver.Fd, mode), "set the mode of", path);
            return;
        }

        // glibc does AT_SYMLINK_NOFOLLOW through an O_PATH descriptor, and refuses a symlink (EOPNOTSUPP).
        var (dir, name) = _resolver.Resolve(path);
        Check(FchmodAt(dir, name, mode, AtSymlinkNoFollow), "set the mode of", path);
    }

    public void SetMtime(string path, long mtimeNs)
    {
        Span<long> times = stackalloc long[4];
        LinuxFileHandle.FillTimes(times, mtimeNs);
        if (path.Length == 0)
        {
            Check(UtimensAt(_resolver.Fd, string.Empty, ref MemoryMarshal.GetReference(times), AtEmptyPath), "set the time of", path);
            return;
        }

        var (dir, name) = _resolver.Resolve(path);
        Check(UtimensAt(dir, name, ref MemoryMarshal.GetReference(times), AtSymlinkNoFollow), "set the time of", path);
    }

    public void SetOwner(string path, int uid, int gid)
    {
        if (path.Length == 0)
        {
            Check(FchownAt(_resolver.Fd, string.Empty, uid, gid, AtEmptyPath | AtSymlinkNoFollow), "set the owner of", path);
            return;
        }

        var (dir, name) = _resolver.Resolve(path);
        Check(FchownAt(dir, name, uid, gid, AtSymlinkNoFollow), "set the owner of", path);
    }

    public void SyncDirectory(string path)
    {
        if (path.Length == 0)
        {
            Check(Fsync(_resolver.Fd), "fsync", path);
            return;
        }

        var fd = _resolver.OpenDirectoryOwned(path);
        try
        {
            Check(Fsync(fd), "fsync", path);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    public void SyncFileSystem() => Check(Syncfs(_resolver.Fd), "sync the file system of", string.Empty);

    public IDisposable? TryLock(string path)
    {
        var (dir, name) = _resolver.Resolve(path);
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

    public void Dispose() => _resolver.Dispose();

    /// <summary>The file opened with <paramref name="access"/>; null only for O_DIRECT on a file system without it.</summary>
    private IFileHandle? OpenExisting(string path, int access, string what)
    {
        var (dir, name) = _resolver.Resolve(path);
        var direct = ODirect != 0 && (access & ODirect) != 0;
        var fd = OpenAt(dir, name, access | ONoFollow | ONonBlock | OCloExec, 0);
        if (fd < 0)
        {
            var errno = LastError;
            if (direct && errno == EINVAL)
            {
                return null;
            }

            throw errno == ELOOP
                ? new TreePathException($"'{_resolver.Describe(path)}' is a symlink, not a file", errno)
                : Failure(what, path, errno);
        }

        var handle = new LinuxFileHandle(fd, isDirect: direct);
        if (handle.Stat().Kind != UnixFileKind.File)
        {
            handle.Dispose();
            throw new IOException($"'{_resolver.Describe(path)}' is not a regular file");
        }

        return handle;
    }

    private LinuxDirectoryTree Same(IDirectoryTree other) =>
        other as LinuxDirectoryTree ?? throw new ArgumentException("both trees must be on the real file system", nameof(other));

    private void Check(int result, string what, string path, LinuxDirectoryTree? tree = null)
    {
        if (result != 0)
        {
            throw Failure(what, path, LastError, tree);
        }
    }

    private IOException Failure(string what, string path, int errno, LinuxDirectoryTree? tree = null) =>
        (tree ?? this)._resolver.Failure(what, path, errno);
}

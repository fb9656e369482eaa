using static Sync.Core.FileSystem.LinuxNative;

namespace Sync.Core.FileSystem;

/// <summary>
/// Resolves the paths of one tree to directory descriptors that cannot leave it: openat2(RESOLVE_BENEATH |
/// RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS) down to the parent, or, where openat2 is missing (kernels before 5.6,
/// or a seccomp filter), one component at a time with openat(O_NOFOLLOW | O_DIRECTORY), which gives the same
/// guarantee. The parent last resolved is kept open, because a publish works through sorted paths whose neighbours
/// share their parent; <see cref="Forget"/> drops it after any rename or removal, since the name may then stand for
/// another directory. Owns the tree's descriptor; used by <see cref="LinuxDirectoryTree"/> on its caller's thread.
/// </summary>
internal sealed class BeneathResolver : IDisposable
{
    private static bool _openAt2Missing;

    private string? _cachedParent;
    private int _cachedFd = -1;
    private bool _disposed;

    public BeneathResolver(string root, int fd)
    {
        Root = root;
        Fd = fd;
    }

    /// <summary>The tree's own directory descriptor.</summary>
    public int Fd { get; }

    public string Root { get; }

    /// <summary>For tests: resolve component by component as on a kernel without openat2.</summary>
    internal static bool ForceComponentWalk { get; set; }

    /// <summary>The parent directory's descriptor (owned by this resolver) and the last component.</summary>
    public (int Dir, string Name) Resolve(string path)
    {
        if (path.Length == 0)
        {
            throw new ArgumentException("the tree itself has no parent here", nameof(path));
        }

        var (parent, name) = TreePath.Split(path);
        return (Parent(parent), name);
    }

    /// <summary>Like <see cref="Resolve"/>, but the descriptor is the caller's, so two of them can be held at once.</summary>
    public OwnedParent ResolveOwned(string path)
    {
        if (path.Length == 0)
        {
            throw new ArgumentException("the tree itself has no parent here", nameof(path));
        }

        ObjectDisposedException.ThrowIf(_disposed, this);
        var (parent, name) = TreePath.Split(path);
        return parent.Length == 0 ? new OwnedParent(Fd, name, false) : new OwnedParent(OpenDirectoryOwned(parent), name, true);
    }

    /// <summary>A directory of the tree (empty: the tree itself), kept open for the next path with the same parent.</summary>
    public int Parent(string parent)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (parent.Length == 0)
        {
            return Fd;
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
    public int OpenDirectoryOwned(string path)
    {
        TreePath.Check(path);
        if (path.Length == 0)
        {
            // A new open file description, not dup(): a directory's read position is shared between duplicates.
            var self = OpenAt(Fd, ".", ORdOnly | OCloExec | ODirectory, 0);
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
            var fd = OpenAt2(Fd, path, ref how);
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

        var current = Fd;
        foreach (var component in path.Split('/'))
        {
            var next = OpenAt(current, component, flags | ODirectory | ONoFollow, 0);
            var errno = next < 0 ? LastError : 0;
            if (current != Fd)
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

    /// <summary>Closes the kept parent: after a rename or removal its name may stand for another directory.</summary>
    public void Forget()
    {
        if (_cachedFd >= 0)
        {
            _ = Close(_cachedFd);
        }

        _cachedFd = -1;
        _cachedParent = null;
    }

    /// <summary>The path as the operator knows it, for messages.</summary>
    public string Describe(string path) => path.Length == 0 ? Root : Path.Join(Root, path);

    public IOException Failure(string what, string path, int errno) =>
        new($"cannot {what} '{Describe(path)}': {LinuxNative.Describe(errno)}", errno);

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Forget();
            _ = Close(Fd);
        }
    }

    private TreePathException Unresolvable(string path, int errno) => errno switch
    {
        ELOOP => new TreePathException($"'{Describe(path)}' passes through a symlink", errno),
        EXDEV => new TreePathException($"'{Describe(path)}' leaves '{Root}'", errno),
        ENOTDIR => new TreePathException($"'{Describe(path)}' passes through something that is not a directory", errno),
        ENOENT => new TreePathException($"'{Describe(path)}' does not exist", errno),
        _ => new TreePathException($"cannot open '{Describe(path)}': {LinuxNative.Describe(errno)}", errno),
    };

    /// <summary>A parent descriptor and the last component; closes the descriptor when the caller owns it.</summary>
    public readonly record struct OwnedParent(int Dir, string Name, bool Owned) : IDisposable
    {
        public void Dispose()
        {
            if (Owned)
            {
                _ = Close(Dir);
            }
        }
    }
}

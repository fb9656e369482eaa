using Sync.Core.Posix;
using static Sync.Core.FileSystem.LinuxNative;

namespace Sync.Core.FileSystem;

/// <summary>The real file system. Thread-safe; trees it opens are not.</summary>
public sealed class LinuxFileSystem : IFileSystem
{
    public static LinuxFileSystem Instance { get; } = new();

    private LinuxFileSystem()
    {
    }

    public IDirectoryTree? TryOpenTree(string path, bool followSymlink = true)
    {
        var full = Path.GetFullPath(path);
        var fd = OpenAt(AtFdCwd, full, ORdOnly | ODirectory | OCloExec | (followSymlink ? 0 : ONoFollow), 0);
        if (fd < 0)
        {
            var errno = LastError;
            return errno switch
            {
                ENOENT => null,
                ELOOP => throw new TreePathException($"'{full}' is a symlink, not a directory", errno),
                _ => throw new IOException($"cannot open the directory '{full}': {Describe(errno)}", errno),
            };
        }

        return new LinuxDirectoryTree(this, full, fd);
    }

    public IDirectoryTree CreateTree(string path)
    {
        Directory.CreateDirectory(path);
        return TryOpenTree(path) ?? throw new IOException($"directory '{path}' vanished as it was created");
    }

    public FileStatus? TryStatPath(string path) => Posix.Posix.TryLStat(Path.GetFullPath(path));

    public long AvailableBytes(string path) => Posix.Posix.GetDiskSpace(Path.GetFullPath(path)).AvailableBytes;
}

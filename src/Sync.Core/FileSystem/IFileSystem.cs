using Sync.Core.Posix;
namespace Sync.Core.FileSystem;

/// <summary>
/// The file system as the inside's apply path sees it. Trees are opened once from paths the operator chose (their
/// ancestors may be symlinks: that is the operator's layout); every later operation is relative to an open tree and
/// can neither pass through a symlink nor leave it (<see cref="IDirectoryTree"/>). Two implementations: the real
/// one (<see cref="LinuxFileSystem"/>) and, in the tests, a simulated one that records what is durable so a power
/// cut can be simulated at every step.
/// </summary>
public interface IFileSystem
{
    /// <summary>
    /// Opens an existing directory as a tree; null when nothing is there. With <paramref name="followSymlink"/> false,
    /// the path's last component must be the directory itself, not a symlink to one.
    /// </summary>
    IDirectoryTree? TryOpenTree(string path, bool followSymlink = true);

    /// <summary>Opens a directory as a tree, creating it and its missing parents first (mode 0755).</summary>
    IDirectoryTree CreateTree(string path);

    /// <summary>What lstat says of an operator-chosen path (a target that may be a symlink), or null.</summary>
    FileStatus? TryStatPath(string path);

    /// <summary>Bytes an unprivileged writer may still use on the file system holding <paramref name="path"/>.</summary>
    long AvailableBytes(string path);
}

using System.Buffers;
using Sync.Core.Posix;

namespace Sync.Core.FileSystem;

/// <summary>Compound operations built from a tree's primitives, so they keep its guarantees.</summary>
public static class TreeOperations
{
    /// <summary>The slice a copy moves at a time: large enough that the system calls do not dominate.</summary>
    private const int CopySlice = 1 << 20;

    public static bool Exists(this IDirectoryTree tree, string path) => tree.TryStat(path) is not null;

    /// <summary>Removes whatever is at an absolute path (a whole directory tree included), never following a symlink below it.</summary>
    public static void RemoveTree(this IFileSystem fileSystem, string path)
    {
        var full = Path.GetFullPath(path);
        using var parent = fileSystem.TryOpenTree(Path.GetDirectoryName(full)!);
        parent?.RemoveTree(Path.GetFileName(full));
    }

    /// <summary>mkdir -p inside the tree; an existing directory is fine, anything else in the way is an error.</summary>
    public static void CreateDirectories(this IDirectoryTree tree, string path, int mode = 0x1ED)
    {
        if (path.Length == 0)
        {
            return;
        }

        var status = tree.TryStat(path);
        if (status is { Kind: UnixFileKind.Directory })
        {
            return;
        }

        if (status is not null)
        {
            throw new IOException($"'{Path.Join(tree.Root, path)}' exists and is not a directory");
        }

        var (parent, _) = TreePath.Split(path);
        tree.CreateDirectories(parent, mode);
        tree.CreateDirectory(path, mode);
    }

    /// <summary>
    /// Removes a directory and everything below it, or a single file or symlink, never following a symlink. Directories
    /// are made writable first (snapshots keep read-only directories when the source had them). Nothing there is fine.
    /// </summary>
    public static void RemoveTree(this IDirectoryTree tree, string path)
    {
        var status = tree.TryStat(path);
        if (status is null)
        {
            return;
        }

        if (status.Value.Kind != UnixFileKind.Directory)
        {
            tree.DeleteFile(path);
            return;
        }

        if ((status.Value.Mode & 0x1C0) != 0x1C0)
        {
            tree.SetMode(path, status.Value.Mode | 0x1C0);
        }

        foreach (var name in tree.List(path))
        {
            tree.RemoveTree(TreePath.Combine(path, name));
        }

        if (path.Length > 0)
        {
            tree.DeleteDirectory(path);
        }
    }

    /// <summary>
    /// Writes a small file so that a reader, a crash or a power cut sees the old content or the new, never a mix:
    /// a temporary file is written and fsynced, renamed over the name, and the directory fsynced.
    /// </summary>
    public static void WriteAtomically(this IDirectoryTree tree, string path, ReadOnlySpan<byte> bytes, int mode = 0x1A4)
    {
        using var file = CreateReplacement(tree, path, mode, out var temp);
        try
        {
            file.Write(bytes, 0);
        }
        catch
        {
            TryDelete(tree, temp);
            throw;
        }

        CommitReplacement(tree, file, temp, path);
    }

    /// <summary>
    /// <see cref="WriteAtomically"/> with the bytes of another file (a manifest of 93 MB), copied in slices rather than
    /// held; <paramref name="from"/> may be <paramref name="to"/> itself (rewritten whole).
    /// </summary>
    public static void CopyAtomically(this IDirectoryTree tree, string from, IDirectoryTree destinationTree, string to, int mode = 0x1A4)
    {
        using var destination = CreateReplacement(destinationTree, to, mode, out var temp);
        try
        {
            using var source = tree.OpenRead(from);
            CopyContent(source, destination);
        }
        catch
        {
            TryDelete(destinationTree, temp);
            throw;
        }

        CommitReplacement(destinationTree, destination, temp, to);
    }

    /// <summary>The whole of a small file; refuses one larger than <paramref name="limit"/> before reading it.</summary>
    public static byte[] ReadAllBytes(this IDirectoryTree tree, string path, long limit = 64 << 20)
    {
        using var file = tree.OpenRead(path);
        var length = file.Length;
        if (length > limit)
        {
            throw new IOException($"'{Path.Join(tree.Root, path)}' is {length} bytes, more than the {limit} expected");
        }

        var bytes = new byte[length];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = file.Read(bytes.AsSpan(read), read);
            if (n == 0)
            {
                throw new IOException($"'{Path.Join(tree.Root, path)}' shrank while it was read");
            }

            read += n;
        }

        return bytes;
    }

    /// <summary>Reads exactly <paramref name="buffer"/>'s length at <paramref name="offset"/>; a short file is an error.</summary>
    public static async ValueTask ReadExactlyAsync(this IFileHandle file, Memory<byte> buffer, long offset, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await file.ReadAsync(buffer[read..], offset + read, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new EndOfStreamException($"file ends {buffer.Length - read} bytes before offset {offset + buffer.Length}");
            }

            read += n;
        }
    }

    /// <summary>Copies a regular file's bytes into a new file; metadata is the caller's business.</summary>
    public static async Task CopyFileAsync(this IDirectoryTree tree, string from, IDirectoryTree destinationTree, string to, int mode, CancellationToken cancellationToken)
    {
        using var source = tree.OpenRead(from);
        using var destination = destinationTree.CreateFile(to, mode);
        var buffer = ArrayPool<byte>.Shared.Rent(CopySlice);
        try
        {
            long offset = 0;
            while (true)
            {
                var n = await source.ReadAsync(buffer, offset, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    break;
                }

                await destination.WriteAsync(buffer.AsMemory(0, n), offset, cancellationToken).ConfigureAwait(false);
                offset += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The synchronous <see cref="CopyFileAsync"/>, for callers on a path that is not async.</summary>
    public static void CopyFile(this IDirectoryTree tree, string from, IDirectoryTree destinationTree, string to, int mode)
    {
        using var source = tree.OpenRead(from);
        using var destination = destinationTree.CreateFile(to, mode);
        CopyContent(source, destination);
    }

    /// <summary>Copies all of <paramref name="source"/> to the start of <paramref name="destination"/>, a pooled slice at a time.</summary>
    private static void CopyContent(IFileHandle source, IFileHandle destination)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(CopySlice);
        try
        {
            long offset = 0;
            int n;
            while ((n = source.Read(buffer, offset)) > 0)
            {
                destination.Write(buffer.AsSpan(0, n), offset);
                offset += n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The temporary file an atomic write fills beside <paramref name="path"/>, under a name no one else uses.</summary>
    private static IFileHandle CreateReplacement(IDirectoryTree tree, string path, int mode, out string temp)
    {
        var (parent, name) = TreePath.Split(path);
        temp = TreePath.Combine(parent, $".{name}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        return tree.CreateFile(temp, mode);
    }

    /// <summary>Makes the filled temporary file durable and renames it over <paramref name="path"/>; removes it on failure.</summary>
    private static void CommitReplacement(IDirectoryTree tree, IFileHandle file, string temp, string path)
    {
        try
        {
            file.Sync();
            tree.Rename(temp, tree, path);
            tree.SyncDirectory(TreePath.Split(path).Parent);
        }
        catch
        {
            TryDelete(tree, temp);
            throw;
        }
    }

    private static void TryDelete(IDirectoryTree tree, string path)
    {
        try
        {
            if (tree.Exists(path))
            {
                tree.DeleteFile(path);
            }
        }
        catch (IOException)
        {
        }
    }
}

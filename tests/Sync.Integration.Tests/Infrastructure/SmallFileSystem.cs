using Sync.Core.Posix;

namespace Sync.Integration.Tests.Infrastructure;

/// <summary>
/// A file system of a few MiB made by a test, so that filling it up (a disk-full test, a reservation larger than
/// the free space) never touches the machine's real disk, which other builds and tests share. Either a loop-mounted
/// ext4 image (the file system whose fallocate semantics matter: it takes every free block before it fails) or a
/// size-limited tmpfs. Disposing unmounts it and deletes the image, also when the test failed.
/// </summary>
public sealed class SmallFileSystem : IAsyncDisposable
{
    private readonly string? _image;
    private string? _ownedDirectory;
    private bool _mounted = true;

    private SmallFileSystem(string path, string? image)
    {
        Path = path;
        _image = image;
    }

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>What statvfs says of it now.</summary>
    public DiskSpace Space => Posix.GetDiskSpace(Path);

    /// <summary>An ext4 file system of <paramref name="bytes"/>, loop-mounted, in a directory of its own that disposing removes.</summary>
    public static async Task<SmallFileSystem> Ext4Async(long bytes)
    {
        var directory = Directory.CreateTempSubdirectory("sync-small-fs-").FullName;
        try
        {
            var fs = await Ext4Async(directory, bytes);
            fs._ownedDirectory = directory;
            return fs;
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>An ext4 file system of <paramref name="bytes"/> in an image file under <paramref name="workDirectory"/>, loop-mounted.</summary>
    public static async Task<SmallFileSystem> Ext4Async(string workDirectory, long bytes)
    {
        SmallFileSystemRequirement.Ensure();
        var name = "small-ext4-" + Guid.NewGuid().ToString("N")[..8];
        var image = System.IO.Path.Combine(workDirectory, name + ".img");
        var mountPoint = Directory.CreateDirectory(System.IO.Path.Combine(workDirectory, name)).FullName;
        try
        {
            await using (var file = File.Create(image))
            {
                file.SetLength(bytes); // sparse: the image costs the real disk only what the test writes
            }

            await Check(Run.Process("mkfs.ext4", ["-q", "-F", "-L", "sync-test", image]), "mkfs.ext4");
            await Check(Run.Process("mount", ["-o", "loop", image, mountPoint]), "mount -o loop");
        }
        catch
        {
            File.Delete(image);
            Directory.Delete(mountPoint);
            throw;
        }

        return new SmallFileSystem(mountPoint, image);
    }

    /// <summary>A tmpfs of <paramref name="bytes"/> mounted under <paramref name="workDirectory"/>.</summary>
    public static async Task<SmallFileSystem> TmpfsAsync(string workDirectory, long bytes)
    {
        SmallFileSystemRequirement.Ensure();
        var mountPoint = Directory.CreateDirectory(System.IO.Path.Combine(workDirectory, "small-tmpfs-" + Guid.NewGuid().ToString("N")[..8])).FullName;
        try
        {
            await Check(Run.Process("mount", ["-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", mountPoint]), "mount -t tmpfs");
        }
        catch
        {
            Directory.Delete(mountPoint);
            throw;
        }

        return new SmallFileSystem(mountPoint, null);
    }

    /// <summary>Writes a file of <paramref name="bytes"/> (real blocks, not a hole), as another writer of the disk would.</summary>
    public string Fill(string name, long bytes)
    {
        var path = System.IO.Path.Combine(Path, name);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write);
        var block = new byte[1 << 16];
        Array.Fill(block, (byte)0x5A);
        for (long written = 0; written < bytes; written += block.Length)
        {
            file.Write(block, 0, (int)Math.Min(block.Length, bytes - written));
        }

        file.Flush(flushToDisk: true);
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        if (_mounted)
        {
            // A process the test killed may still hold a file open for a moment: retry, then detach lazily.
            for (var attempt = 0; attempt < 10 && _mounted; attempt++)
            {
                _mounted = (await Run.Process("umount", [Path])).ExitCode != 0;
                if (_mounted)
                {
                    await Task.Delay(200);
                }
            }

            if (_mounted)
            {
                _mounted = (await Run.Process("umount", ["-l", Path])).ExitCode != 0;
            }
        }

        if (!_mounted)
        {
            Directory.Delete(Path);
        }

        if (_image is not null)
        {
            File.Delete(_image); // a lazily detached loop device keeps the inode until it is released
        }

        if (_ownedDirectory is not null && !_mounted)
        {
            Directory.Delete(_ownedDirectory, recursive: true);
        }
    }

    private static async Task Check(Task<ProcessResult> run, string what)
    {
        var result = await run;
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{what} failed: {result}");
        }
    }
}

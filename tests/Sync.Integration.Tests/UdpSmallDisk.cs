using Sync.Integration.Tests.Infrastructure;
using Sync.Testing.FileSystem;

namespace Sync.Integration.Tests;

/// <summary>
/// A small ext4 file system of the test's own: an image file of a few MiB, formatted and loop-mounted, unmounted and
/// deleted on dispose whatever happened. Tests that fill a disk run here, never on the machine's real disk (where
/// every other writer would fail while it is full). ext4 on purpose: its `fallocate` of more than the free space
/// takes every free block before it fails, which is the behaviour the receiver must never trigger.
/// </summary>
public sealed class UdpSmallDisk : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private bool _mounted;

    private UdpSmallDisk() => MountPoint = _dir.CreateSubdirectory("mnt");

    public string MountPoint { get; }

    /// <summary>Why it cannot be made here, or null: root, mkfs.ext4 and loop devices.</summary>
    public static string? Missing { get; } = Probe();

    public static async Task<UdpSmallDisk> CreateAsync(int mebibytes)
    {
        if (Missing is { } missing)
        {
            throw new InvalidOperationException($"small-disk test cannot run: {missing}");
        }

        var disk = new UdpSmallDisk();
        try
        {
            var image = disk._dir.Combine("disk.img");
            await using (var file = File.Create(image))
            {
                file.SetLength((long)mebibytes << 20);
            }

            await Run.Ok(Run.Process("mkfs.ext4", ["-q", "-F", "-m", "0", "-E", "lazy_itable_init=0,lazy_journal_init=0", image]));
            await Run.Ok(Run.Process("mount", ["-o", "loop", image, disk.MountPoint]));
            disk._mounted = true;
            return disk;
        }
        catch
        {
            await disk.DisposeAsync();
            throw;
        }
    }

    /// <summary>Bytes an unprivileged writer may still allocate (statvfs f_bavail * f_frsize), as `df` reports them.</summary>
    public async Task<long> AvailableBytesAsync()
    {
        var df = await Run.Ok(Run.Process("df", ["--output=avail", "--block-size=1", MountPoint]));
        return long.Parse(df.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1].Trim());
    }

    public async ValueTask DisposeAsync()
    {
        if (_mounted)
        {
            // A process still holding a file open makes a plain umount fail; detach lazily then, so the mount never
            // outlives the test.
            if ((await Run.Process("umount", [MountPoint])).ExitCode != 0)
            {
                await Run.Process("umount", ["-l", MountPoint]);
            }

            _mounted = false;
        }

        _dir.Dispose();
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "needs root (mount -o loop)";
        }

        if (!new[] { "/usr/sbin", "/sbin" }.Any(dir => File.Exists(Path.Combine(dir, "mkfs.ext4"))))
        {
            return "mkfs.ext4 is not installed (e2fsprogs)";
        }

        return File.Exists("/dev/loop-control") ? null : "no loop devices (/dev/loop-control)";
    }
}

/// <summary>A test that needs <see cref="UdpSmallDisk"/>: skipped where it cannot run, except on CI (CI=true), where it fails.</summary>
public sealed class SmallDiskFactAttribute : FactAttribute
{
    public SmallDiskFactAttribute()
    {
        if (UdpSmallDisk.Missing is { } missing && !NetnsRequirement.OnCi)
        {
            Skip = $"small-disk test: {missing} (fails instead of skipping when CI=true)";
        }
    }
}

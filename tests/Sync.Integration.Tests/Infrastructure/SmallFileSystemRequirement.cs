namespace Sync.Integration.Tests.Infrastructure;

/// <summary>
/// What the small-file-system tests need: root, e2fsprogs' mkfs.ext4, mount and loop devices. On a developer's
/// machine without them the tests are skipped; with CI=true they fail with the reason instead.
/// </summary>
public static class SmallFileSystemRequirement
{
    private static readonly Lazy<string?> Missing = new(Probe);

    /// <summary>Why a small file system cannot be made here, or null when it can.</summary>
    public static string? Reason => Missing.Value;

    public static void Ensure()
    {
        if (Reason is { } reason)
        {
            throw new InvalidOperationException($"small-file-system test cannot run: {reason}");
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "needs root (mount)";
        }

        foreach (var (tool, package) in new[] { ("mkfs.ext4", "e2fsprogs"), ("mount", "mount"), ("umount", "mount") })
        {
            if (!new[] { "/usr/sbin", "/sbin", "/usr/bin", "/bin" }.Any(dir => File.Exists(Path.Combine(dir, tool))))
            {
                return $"'{tool}' is not installed (apt-get install {package})";
            }
        }

        return File.Exists("/dev/loop-control") ? null : "no loop devices (/dev/loop-control is missing)";
    }
}

/// <summary>A test that needs <see cref="SmallFileSystemRequirement"/>: skipped where it cannot run, except on CI, where it fails.</summary>
public sealed class SmallFileSystemFactAttribute : FactAttribute
{
    public SmallFileSystemFactAttribute()
    {
        if (SmallFileSystemRequirement.Reason is { } reason && !NetnsRequirement.OnCi)
        {
            Skip = $"small-file-system test: {reason} (fails instead of skipping when CI=true)";
        }
    }
}

/// <summary>The theory form of <see cref="SmallFileSystemFactAttribute"/>.</summary>
public sealed class SmallFileSystemTheoryAttribute : TheoryAttribute
{
    public SmallFileSystemTheoryAttribute()
    {
        if (SmallFileSystemRequirement.Reason is { } reason && !NetnsRequirement.OnCi)
        {
            Skip = $"small-file-system test: {reason} (fails instead of skipping when CI=true)";
        }
    }
}

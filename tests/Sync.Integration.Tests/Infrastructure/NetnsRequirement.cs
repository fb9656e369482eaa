namespace Sync.Integration.Tests.Infrastructure;

/// <summary>
/// What the namespace tests need: root, `ip` and `nft`. On a developer's machine without them the tests are
/// skipped; with CI=true they fail with the reason instead, so CI can never pass by silently skipping them.
/// </summary>
public static class NetnsRequirement
{
    private static readonly Lazy<string?> Missing = new(Probe);

    public static bool OnCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>Why namespace tests cannot run here, or null when they can.</summary>
    public static string? Reason => Missing.Value;

    public static void Ensure()
    {
        if (Reason is { } reason)
        {
            throw new InvalidOperationException($"network-namespace test cannot run: {reason}");
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux network namespaces";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "needs root (ip netns, veth, nftables)";
        }

        foreach (var tool in new[] { "ip", "nft", "bridge" })
        {
            if (!new[] { "/usr/sbin", "/sbin", "/usr/bin", "/bin" }.Any(dir => File.Exists(Path.Combine(dir, tool))))
            {
                return $"'{tool}' is not installed (bash scripts/install-deps.sh installs iproute2 and nftables)";
            }
        }

        return null;
    }
}

/// <summary>A test that needs <see cref="NetnsRequirement"/>: skipped where it cannot run, except on CI, where it fails.</summary>
public sealed class NetnsFactAttribute : FactAttribute
{
    public NetnsFactAttribute()
    {
        if (NetnsRequirement.Reason is { } reason && !NetnsRequirement.OnCi)
        {
            Skip = $"network-namespace test: {reason} (fails instead of skipping when CI=true)";
        }
    }
}

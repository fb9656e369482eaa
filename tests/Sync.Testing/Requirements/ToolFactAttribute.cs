using Xunit;

namespace Sync.Testing.Requirements;

/// <summary>
/// A test that runs command-line tools (gzip, xz, openssl, reprepro, coreutils): skipped where one is missing, except
/// with CI=true, where it fails instead, so CI never passes by skipping it.
/// </summary>
public sealed class ToolFactAttribute : FactAttribute
{
    private static readonly string[] s_directories = ["/usr/bin", "/bin", "/usr/local/bin"];

    public ToolFactAttribute(params string[] tools)
    {
        var missing = tools.FirstOrDefault(tool => !s_directories.Any(dir => File.Exists(Path.Combine(dir, tool))));
        var onCi = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (missing is not null && !onCi)
        {
            Skip = $"needs '{missing}' (fails instead of skipping when CI=true)";
        }
    }
}

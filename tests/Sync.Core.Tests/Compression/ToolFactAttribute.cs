namespace Sync.Core.Tests.Compression;

/// <summary>
/// A test that runs a command-line tool (gzip, xz, apt-ftparchive): skipped where one is missing, except with CI=true,
/// where it fails instead, so CI never passes by skipping it.
/// </summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        var missing = tools.FirstOrDefault(tool => !new[] { "/usr/bin", "/bin", "/usr/local/bin" }.Any(dir => File.Exists(Path.Combine(dir, tool))));
        if (missing is not null && Environment.GetEnvironmentVariable("CI") != "true")
        {
            Skip = $"needs '{missing}' (fails instead of skipping when CI=true)";
        }
    }
}

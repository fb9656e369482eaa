namespace Sync.Integration.Tests.Infrastructure;

/// <summary>
/// A test that runs command-line tools (openssl, coreutils): skipped where one is missing, except with CI=true, where
/// it fails instead, so CI never passes by skipping it.
/// </summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        var missing = tools.FirstOrDefault(tool => !new[] { "/usr/bin", "/bin", "/usr/local/bin" }.Any(dir => File.Exists(Path.Combine(dir, tool))));
        if (missing is not null && !NetnsRequirement.OnCi)
        {
            Skip = $"needs '{missing}' (fails instead of skipping when CI=true)";
        }
    }
}

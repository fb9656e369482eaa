using System.Text.RegularExpressions;
using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests.Architecture;

/// <summary>
/// Only the host reads the process environment (issue 12): the domain, the engine, the carriers and the agents' commands
/// take what the host read (options, the crash-point switch), so no test hook is armed by a variable deep inside.
/// </summary>
public sealed partial class EnvironmentReadTests
{
    [Fact]
    public void Nothing_under_src_but_the_hosting_project_reads_the_environment()
    {
        var source = Path.Combine(RepoPaths.Root, "src");
        var files = SourceScan.CodeFiles(source).ToList();
        Assert.Contains(files, f => EnvironmentRead().IsMatch(f.Code)); // the host does read it: the scan sees the call

        var outside = files
            .Where(f => !f.Path.StartsWith("Sync.Hosting" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .SelectMany(f => EnvironmentRead().Matches(f.Code).Select(m => $"  {f.Path}:{SourceScan.LineOf(f.Code, m.Index)}"))
            .ToList();

        Assert.True(outside.Count == 0,
            "the environment is read outside Sync.Hosting; read it once in the host and pass the value in:\n" + string.Join('\n', outside));
    }

    [GeneratedRegex(@"\bGetEnvironmentVariables?\s*\(|\bAddEnvironmentVariables\s*\(")]
    private static partial Regex EnvironmentRead();
}

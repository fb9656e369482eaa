using System.Diagnostics;

namespace Sync.Containers.Tests.Infrastructure;

/// <summary>The repository this test assembly was built from: its scripts, its VERSION and where the packages are.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    public static string Version { get; } = File.ReadAllText(Path.Combine(Root, "VERSION")).Trim();

    /// <summary>Where scripts/package.sh put the .debs: SYNC_DEB_DIR, or artifacts/debs as .ci/run builds them.</summary>
    public static string DebDirectory => Environment.GetEnvironmentVariable("SYNC_DEB_DIR") is { Length: > 0 } dir ? dir : Path.Combine(Root, "artifacts", "debs");

    public static string Deb(string agent) => Path.Combine(DebDirectory, $"{agent}_{Version}_amd64.deb");

    /// <summary>Runs a script of scripts/ to its end; a non-zero exit fails the test with its output.</summary>
    public static async Task<string> ScriptAsync(string name, params string[] args)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(Root, "scripts", name));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{name} {string.Join(' ', args)} exited {process.ExitCode}:\n{await stdout}{await stderr}");
        return await stdout;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Sync.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Sync.sln not found above " + AppContext.BaseDirectory);
    }
}

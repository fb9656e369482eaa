using Sync.Integration.Tests.Infrastructure;
using Sync.Testing.FileSystem;

namespace Sync.Integration.Tests;

/// <summary>
/// Issue 11: the demo installed every package the tests use and let apt-get upgrade the ones already installed. Now it
/// names the four it needs, installs only the missing ones with --no-upgrade, and says so first. Runs the real script
/// against stand-ins for dpkg-query and apt-get, so nothing is installed.
/// </summary>
public sealed class InstallDepsTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Only_the_missing_packages_the_demo_names_are_installed_without_upgrading_others()
    {
        var bin = _dir.CreateSubdirectory("bin");
        var log = _dir.Combine("apt-get.log");
        Script(bin, "dpkg-query", """[ "${@: -1}" = reprepro ] && exit 1; echo 'install ok installed'""");
        Script(bin, "apt-get", $"echo \"$*\" >> '{log}'");
        Script(bin, "sudo", "exec \"$@\"");
        var demo = await File.ReadAllTextAsync(RepoPaths.Script("demo.sh"));
        var packages = System.Text.RegularExpressions.Regex.Match(demo, @"demo_packages=\(([^)]*)\)").Groups[1].Value.Split(' ');
        Assert.Contains("bash scripts/install-deps.sh \"${demo_packages[@]}\"", demo);

        var run = await Run.Process("bash", [RepoPaths.Script("install-deps.sh"), .. packages],
            new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") });

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["reprepro", "dpkg-dev", "gnupg", "xz-utils"], packages);
        Assert.Contains("install-deps: installing (apt-get install --no-upgrade --no-install-recommends, plus their dependencies): reprepro", run.Stderr);
        var calls = await File.ReadAllLinesAsync(log);
        Assert.Equal("-o Acquire::Retries=3 install -y --no-upgrade --no-install-recommends reprepro", calls[^1]);
    }

    private static void Script(string bin, string name, string body)
    {
        var path = Path.Combine(bin, name);
        File.WriteAllText(path, "#!/bin/bash\n" + body + "\n");
        File.SetUnixFileMode(path, (UnixFileMode)0x1ED);
    }
}

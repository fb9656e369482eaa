using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Sync.Containers.Tests.Infrastructure;

/// <summary>
/// What the container tests need: a Docker daemon and the images scripts/build-images.sh builds from the packages.
/// On a developer's machine without them the tests are skipped; with CI=true they fail with the reason instead, so
/// CI can never pass by skipping them. Nothing is pulled (no registry is reachable): the images are local.
/// </summary>
internal static class ContainerRequirement
{
    private static readonly Lazy<string?> Missing = new(Probe);

    public static bool OnCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static string? Reason => Missing.Value;

    public static void Ensure()
    {
        if (Reason is { } reason)
        {
            throw new InvalidOperationException($"container test cannot run: {reason}");
        }
    }

    public static string[] Images => ["sync-debian:12", $"sync-outside:{Repo.Version}", $"sync-inside:{Repo.Version}", $"sync-web:{Repo.Version}"];

    /// <summary>
    /// Before any Testcontainers type is touched: Debian's dockerd speaks an older API than the client library
    /// asks for by default (DOCKER_API_VERSION), and the resource reaper's image cannot be pulled (each test removes
    /// what it made instead).
    /// </summary>
    [ModuleInitializer]
    internal static void ConfigureTestcontainers()
    {
        if (Environment.GetEnvironmentVariable("TESTCONTAINERS_RYUK_DISABLED") is null)
        {
            Environment.SetEnvironmentVariable("TESTCONTAINERS_RYUK_DISABLED", "true");
        }

        if (Environment.GetEnvironmentVariable("DOCKER_API_VERSION") is null && Docker("version", "--format", "{{.Server.APIVersion}}") is (0, var api))
        {
            Environment.SetEnvironmentVariable("DOCKER_API_VERSION", api.Trim());
        }
    }

    private static string? Probe()
    {
        if (Docker("info", "--format", "{{.ServerVersion}}") is not (0, _))
        {
            return "no Docker daemon answers (apt-get install docker.io; bash scripts/docker-daemon.sh start)";
        }

        var missing = Images.Where(image => Docker("image", "inspect", "--format", "{{.Id}}", image) is not (0, _)).ToList();
        return missing.Count == 0
            ? null
            : $"image(s) {string.Join(", ", missing)} not built (bash scripts/package.sh artifacts/debs && bash scripts/build-images.sh artifacts/debs)";
    }

    private static (int ExitCode, string Output) Docker(params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo("docker") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in args)
            {
                info.ArgumentList.Add(arg);
            }

            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                process.Kill();
                return (-1, string.Empty);
            }

            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (-1, string.Empty); // no docker client
        }
    }
}

/// <summary>A container test: skipped where <see cref="ContainerRequirement"/> does not hold, except on CI, where it fails.</summary>
public sealed class ContainersFactAttribute : FactAttribute
{
    public ContainersFactAttribute()
    {
        if (ContainerRequirement.Reason is { } reason && !ContainerRequirement.OnCi)
        {
            Skip = $"container test: {reason} (fails instead of skipping when CI=true)";
        }
    }
}

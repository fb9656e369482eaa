using DotNet.Testcontainers.Builders;
using Sync.Containers.Tests.Infrastructure;

namespace Sync.Containers.Tests;

/// <summary>
/// The packages on a minimal Debian 12 with no .NET: apt resolves their dependencies from Debian's archive alone,
/// the postinst makes the user and the folders, and the agents run (they carry their runtime).
/// </summary>
[Collection(ContainersCollection.Name)]
[Trait("Category", "Containers")]
public sealed class PackageInstallTests
{
    [ContainersFact]
    public async Task Both_packages_install_with_apt_on_minimal_Debian_12_and_run_without_dotnet()
    {
        ContainerRequirement.Ensure();
        foreach (var agent in new[] { "sync-outside", "sync-inside" })
        {
            Assert.True(File.Exists(Repo.Deb(agent)), $"{Repo.Deb(agent)} is missing (bash scripts/package.sh {Repo.DebDirectory})");
        }

        // The plain debootstrap image, with the host's network for the archive.
        await using var debian = Site.Idle(new ContainerBuilder("sync-debian:12"))
            .WithResourceMapping(FilePath.Of(Repo.Deb("sync-outside")), DirectoryPath.Of("/tmp/debs/"))
            .WithResourceMapping(FilePath.Of(Repo.Deb("sync-inside")), DirectoryPath.Of("/tmp/debs/"))
            .Build();
        await debian.StartAsync();
        async Task<string> Run(string script)
        {
            var result = await debian.ExecAsync(["sh", "-c", script]);
            Assert.True(result.ExitCode == 0, $"'{script}' exited {result.ExitCode}:\n{result.Stdout}{result.Stderr}");
            return result.Stdout.Trim();
        }

        Assert.Equal(string.Empty, await Run("command -v dotnet || ls -d /usr/share/dotnet /usr/lib/dotnet 2>/dev/null || true"));
        await Run("apt-get -q update && apt-get install -y -q --no-install-recommends /tmp/debs/*.deb");

        Assert.StartsWith(Repo.Version + "+", await Run("sync-inside --version"));
        Assert.StartsWith(Repo.Version + "+", await Run("sync-outside --version"));
        Assert.Equal(string.Empty, await Run("command -v dotnet || true"));
        // Dependencies came from the archive: OpenSSL (loaded at run time), nothing named dotnet.
        Assert.Contains("install ok installed", await Run("dpkg-query -W -f '${Status}' libssl3"));
        Assert.Equal(string.Empty, await Run("dpkg-query -W -f '${Package}\\n' | grep -i -E 'dotnet|aspnet' || true"));
        Assert.Equal("_sync _sync", await Run("stat -c '%U %G' /var/lib/sync-inside"));
        Assert.Equal("755", await Run("stat -c '%a' /var/lib/sync-inside"));
        Assert.Equal("_sync _sync", await Run("stat -c '%U %G' /var/spool/sync-outside"));
        Assert.Equal("/usr/sbin/nologin", await Run("getent passwd _sync | cut -d: -f7"));

        // The agents work as the service user: a key made and used, a status read; the units and man pages are there.
        await Run("runuser -u _sync -- sync-outside keygen --key /var/lib/sync-outside/k");
        Assert.Contains("nothing yet", await Run("runuser -u _sync -- sync-inside status --state /var/lib/sync-inside"));
        await Run("test -f /lib/systemd/system/sync-inside-receive.service && test -f /lib/systemd/system/sync-outside-carousel.service");
        await Run("test -f /usr/share/man/man1/sync-inside-import.1.gz && test -f /usr/share/man/man1/sync-outside.1.gz");
        Assert.Contains("net.core.rmem_max", await Run("cat /usr/lib/sysctl.d/60-sync-inside.conf"));

        // And they go away cleanly.
        await Run("apt-get purge -y -q sync-inside sync-outside && ! test -e /usr/bin/sync-inside");
    }
}

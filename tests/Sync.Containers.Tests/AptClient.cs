using Sync.Containers.Tests.Infrastructure;

namespace Sync.Containers.Tests;

/// <summary>What the apt client container checks against the inside's mirror, shared by the carriers' tests.</summary>
internal static class AptClient
{
    /// <summary>apt-get update succeeds (signatures and index hashes as apt checks them) and apt sees exactly the source's packages.</summary>
    public static async Task UpdateAndSeeSourceAsync(Site site)
    {
        await site.AptAsync("update");
        foreach (var (name, version) in site.SourcePackages())
        {
            var policy = await site.Ok(site.Client, "apt-cache", "policy", name);
            Assert.Contains($"Candidate: {version}", policy.Stdout);
        }
    }

    /// <summary>After the first generation: apt sees the source, and a few packages install. Returns the source's packages then.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> InstallFirstAsync(Site site)
    {
        var before = site.SourcePackages();
        await UpdateAndSeeSourceAsync(site);
        foreach (var name in before.Keys.Order().Take(4))
        {
            await InstallAsync(site, name);
        }

        return before;
    }

    /// <summary>Installs a package and checks dpkg has the version the source holds.</summary>
    public static async Task InstallAsync(Site site, string name)
    {
        await site.AptAsync("install", "-y", "--no-install-recommends", name);
        var installed = await site.Ok(site.Client, "dpkg-query", "-W", "-f", "${Version}", name);
        Assert.Equal(site.SourcePackages()[name], installed.Stdout.Trim());
    }

    /// <summary>
    /// After an update of the source reached the mirror: every installed package upgrades to the source's version, a
    /// package the update added installs, and one it removed is gone from the client's view.
    /// </summary>
    public static async Task UpgradeAndCheckAsync(Site site, IReadOnlyDictionary<string, string> before)
    {
        var after = site.SourcePackages();
        await UpdateAndSeeSourceAsync(site);
        await site.AptAsync("upgrade", "-y");
        var installed = (await site.Ok(site.Client, "dpkg-query", "-W", "-f", "${Package} ${Version}\\n")).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p[1]);
        foreach (var name in before.Keys.Where(installed.ContainsKey).Where(after.ContainsKey))
        {
            Assert.Equal(after[name], installed[name]);
        }

        var added = after.Keys.Except(before.Keys).ToList();
        Assert.NotEmpty(added);
        await InstallAsync(site, added[0]);
        var removed = before.Keys.Except(after.Keys).ToList();
        Assert.NotEmpty(removed);
        var policy = await site.Ok(site.Client, "apt-cache", "policy", removed[0]);
        Assert.DoesNotContain($"Candidate: {before[removed[0]]}", policy.Stdout);
    }
}

using Sync.Containers.Tests.Infrastructure;

namespace Sync.Containers.Tests;

/// <summary>
/// The file-drop carrier between two containers built from the packages: the outside exports into a volume the
/// inside imports from; an apt client reads the inside's mirror through nginx before, during and after an update.
/// </summary>
[Collection(ContainersCollection.Name)]
[Trait("Category", "Containers")]
public sealed class FileDropTests
{
    [ContainersFact]
    public async Task An_apt_client_installs_from_the_mirror_before_during_and_after_an_update()
    {
        await using var site = await Site.CreateAsync();
        await site.StartInsideAsync();
        await site.StartWebAndClientAsync();

        // Before: generation 1 through the drop volume.
        await site.ExportAsync();
        await site.ImportAsync();
        var before = await AptClient.InstallFirstAsync(site);

        var oldRelease = (await site.Ok(site.Client, "sh", "-c", "sha256sum /var/lib/apt/lists/*_dists_sample_InRelease")).Stdout.Split(' ')[0];

        // During: the client runs apt-get update over and over while generation 2 is exported and imported.
        await site.UpdateRepositoryAsync();
        await site.ExportAsync();
        await using (var loop = await AptLoop.StartAsync(site))
        {
            await loop.WaitForRoundsAsync(2);
            await site.ImportAsync();
            await loop.WaitForRoundsAsync(loop.Rounds + 2);
            var seen = await loop.StopAsync();
            Assert.Contains(oldRelease, seen);
            Assert.True(seen.Count == 2, $"the client should have seen the old and the new generation's InRelease, saw: {string.Join(", ", seen)}");
        }

        // After: upgrades, a new package, a removed one gone.
        await AptClient.UpgradeAndCheckAsync(site, before);
    }
}

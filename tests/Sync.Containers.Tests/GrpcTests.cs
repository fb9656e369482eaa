using Sync.Containers.Tests.Infrastructure;

namespace Sync.Containers.Tests;

/// <summary>
/// The gRPC carrier between two containers built from the packages: `sync-inside serve` is the inside container's
/// main process, the outside pushes to it; an apt client installs from the mirror, then upgrades after a second push.
/// </summary>
[Collection(ContainersCollection.Name)]
[Trait("Category", "Containers")]
public sealed class GrpcTests
{
    [ContainersFact]
    public async Task A_push_to_a_serving_inside_reaches_an_apt_client_and_so_does_the_next_one()
    {
        await using var site = await Site.CreateAsync();
        var port = Site.FreePort();
        await site.StartInsideAsync("serve", "--listen", $"127.0.0.1:{port}", "--target", Site.Target, "--state", "/var/lib/sync-inside",
            "--trust", "/etc/sync/outside.key.pub");
        await site.StartWebAndClientAsync();

        var first = await site.PushAsync(port);
        Assert.Contains("published by the inside", first.Stdout);
        var before = await AptClient.InstallFirstAsync(site);

        await site.UpdateRepositoryAsync();
        var second = await site.PushAsync(port);
        Assert.Contains("delta from 1", second.Stdout);
        await AptClient.UpgradeAndCheckAsync(site, before);
    }
}

using Sync.Core.Posix;
using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// `--owner` on the inside's long-running and answering commands (serve, pull, receive), as on import
/// (<see cref="InsideTreeGuardTests"/>): every published entry belongs to the owner given, who reads it all.
/// </summary>
[Collection("apt")]
public sealed class OwnerOnEveryCarrierTests
{
    private const int Nobody = 65534; // Debian's nobody:nogroup

    private static readonly string[] OwnedByNobody = ["--owner", $"{Nobody}:{Nobody}"];

    [RootTheory]
    [InlineData("serve")]
    [InlineData("pull")]
    public async Task A_gRPC_inside_publishes_as_the_owner_given(string command)
    {
        using var pair = await SyncPair.CreateAsync();
        pair.Publish = "in-place";
        BuildSource(pair.Source);
        InsideTreeGuardTests.MakeTraversable(pair.Target);
        if (command == "serve")
        {
            var (server, url) = await pair.ServeInsideAsync(OwnedByNobody);
            await using (server)
            {
                await Run.Ok(pair.Push(url));
            }
        }
        else
        {
            var (server, url) = await pair.ServeOutsideAsync();
            await using (server)
            {
                await Run.Ok(pair.Pull(url, OwnedByNobody));
            }
        }

        await AssertOwnedAndReadableByNobody(pair.Target);
        await Run.Ok(pair.Verify());
    }

    [RootFact]
    public async Task A_diode_receiver_publishes_as_the_owner_given()
    {
        await using var rig = await UdpLoopbackRig.CreateAsync();
        BuildSource(rig.Source);
        InsideTreeGuardTests.MakeTraversable(rig.Target);
        var receiver = await rig.StartReceiveAsync(["--publish", "in-place", .. OwnedByNobody]);

        await Run.Ok(rig.Send(rig.OutsideState));
        await receiver.WaitForOutputAsync("generation 1 published", seconds: 60);

        await AssertOwnedAndReadableByNobody(rig.Target);
    }

    private static async Task AssertOwnedAndReadableByNobody(string target)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(target, "*", SearchOption.AllDirectories).Append(target))
        {
            var status = Posix.LStat(path);
            Assert.True(status.Uid == Nobody && status.Gid == Nobody, $"{path} is owned by {status.Uid}:{status.Gid}");
        }

        await Run.Ok(Run.Process("runuser", ["-u", "nobody", "--", "sh", "-c", $"find '{target}/' -type f -exec cat {{}} + > /dev/null"]));
    }

    private static void BuildSource(string root)
    {
        TreeBuilder.Write(root, "dists/noble/Release", "Suite: noble\n"u8.ToArray());
        TreeBuilder.Write(root, "pool/main/a/a_1.deb", TreeBuilder.RandomBytes(3000, 7));
    }
}

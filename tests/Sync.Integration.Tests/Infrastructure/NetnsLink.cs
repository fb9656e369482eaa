using System.Diagnostics;

namespace Sync.Integration.Tests.Infrastructure;

/// <summary>
/// A one-way link between network namespaces made by scripts/netns.sh for one test: an outside namespace
/// (198.18.0.1 on br0) and one or more inside namespaces (198.18.0.2, .3, ... on dd0), every frame from an
/// inside to the outside dropped, and optional nftables loss on each inside's ingress. Each link has a name
/// unique to this process and test, so tests may run side by side; disposing deletes the namespaces.
/// </summary>
public sealed class NetnsLink : IAsyncDisposable
{
    public const string OutsideAddress = "198.18.0.1";

    private static int _counter;

    private NetnsLink(string name, int receivers)
    {
        Name = name;
        Receivers = receivers;
    }

    public string Name { get; }

    public int Receivers { get; }

    public string Outside => Name + "-o";

    public string Inside(int receiver = 1) => $"{Name}-i{receiver}";

    public static string InsideAddress(int receiver = 1) => $"198.18.0.{receiver + 1}";

    public static async Task<NetnsLink> CreateAsync(int receivers = 1)
    {
        NetnsRequirement.Ensure();
        // Lower-case letters and digits only: netns.sh also uses the name in interface-free namespace names.
        var name = $"u{Environment.ProcessId % 100_000}n{Interlocked.Increment(ref _counter)}";
        await Run.Script("netns.sh", "down", name); // a namespace left by a crashed run with the same pid
        await Run.Ok(Run.Script("netns.sh", "up", name, "--receivers", receivers.ToString()));
        return new NetnsLink(name, receivers);
    }

    public Task RandomLossAsync(int receiver, int perTenThousand) =>
        Run.Ok(Run.Script("netns.sh", "loss", Name, receiver.ToString(), "random", perTenThousand.ToString()));

    /// <summary>Drops <paramref name="drop"/> consecutive UDP packets out of every <paramref name="every"/>, from packet <paramref name="at"/> of each period.</summary>
    public Task BurstLossAsync(int receiver, int drop, int every, int at = 0) =>
        Run.Ok(Run.Script("netns.sh", "loss", Name, receiver.ToString(), "burst", drop.ToString(), every.ToString(), at.ToString()));

    public Task NoLossAsync(int receiver) => Run.Ok(Run.Script("netns.sh", "loss", Name, receiver.ToString(), "none"));

    /// <summary>UDP packets the loss rule dropped so far on that inside.</summary>
    public async Task<long> DroppedAsync(int receiver)
    {
        var result = await Run.Ok(Run.Script("netns.sh", "counters", Name, receiver.ToString()));
        return long.TryParse(result.Stdout.Trim(), out var n) ? n : 0;
    }

    /// <summary>Runs an agent inside a namespace to the end.</summary>
    public Task<ProcessResult> AgentAsync(string ns, string agent, string[] args, TimeSpan? timeout = null) =>
        Run.Process("ip", ["netns", "exec", ns, "dotnet", RepoPaths.AgentDll(agent), .. args], timeout: timeout);

    /// <summary>
    /// Starts an agent inside a namespace. `ip netns exec` execs the command without forking, so the returned
    /// process is the agent itself and a test can signal exactly it.
    /// </summary>
    public (Process Process, Task<ProcessResult> Completion) StartAgent(string ns, string agent, string[] args, TimeSpan? timeout = null) =>
        Run.StartProcess("ip", ["netns", "exec", ns, "dotnet", RepoPaths.AgentDll(agent), .. args], timeout: timeout);

    public async ValueTask DisposeAsync() => await Run.Script("netns.sh", "down", Name);
}

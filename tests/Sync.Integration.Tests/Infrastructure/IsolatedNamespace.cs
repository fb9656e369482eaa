namespace Sync.Integration.Tests.Infrastructure;

/// <summary>
/// A network namespace with nothing in it but its own loopback device, which also carries <see cref="Address"/>, an
/// address that is not loopback. A server may listen on every address there (0.0.0.0) and be reached only from
/// inside the namespace: the way to test what a server does off loopback without exposing it. Needs root and `ip`
/// (<see cref="NetnsRequirement"/>); disposing deletes the namespace.
/// </summary>
public sealed class IsolatedNamespace : IAsyncDisposable
{
    public const string Address = "198.18.7.1";

    private static int _counter;

    private IsolatedNamespace(string name) => Name = name;

    public string Name { get; }

    public static async Task<IsolatedNamespace> CreateAsync()
    {
        NetnsRequirement.Ensure();
        var name = $"g{Environment.ProcessId % 100_000}i{Interlocked.Increment(ref _counter)}";
        await Run.Process("ip", ["netns", "delete", name]); // left by a crashed run with the same pid
        await Run.Ok(Run.Process("ip", ["netns", "add", name]));
        var created = new IsolatedNamespace(name);
        try
        {
            await Run.Ok(Run.Process("ip", ["-n", name, "link", "set", "lo", "up"]));
            await Run.Ok(Run.Process("ip", ["-n", name, "addr", "add", Address + "/32", "dev", "lo"]));
        }
        catch
        {
            await created.DisposeAsync();
            throw;
        }

        return created;
    }

    /// <summary>Runs an agent inside the namespace to the end.</summary>
    public Task<ProcessResult> AgentAsync(string agent, params string[] args) =>
        Run.Process("ip", ["netns", "exec", Name, "dotnet", RepoPaths.AgentDll(agent), .. args]);

    public async ValueTask DisposeAsync() => await Run.Process("ip", ["netns", "delete", Name]);
}

using System.Text.Json;
using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests.Architecture;

/// <summary>
/// The agents' memory bound (issue 10: a mirror's day under 384 MiB) must not depend on the CPU they run on: the GC
/// sizes its youngest generation from the last-level cache unless the runtime configuration caps it, and it must stay
/// non-concurrent (background marking cost the inside a quarter of its CPU at gRPC rates).
/// </summary>
public sealed class AgentRuntimeConfigTests
{
    private const long MaxGen0Budget = 32L << 20;

    [Theory]
    [InlineData("sync-outside")]
    [InlineData("sync-inside")]
    public void The_agent_caps_the_youngest_generation_and_collects_without_background_marking(string agent)
    {
        var config = Path.ChangeExtension(RepoPaths.AgentDll(agent), ".runtimeconfig.json");
        using var json = JsonDocument.Parse(File.ReadAllText(config));
        var properties = json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty("System.GC.Gen0MaxBudget", out var budget), $"{config} sets no System.GC.Gen0MaxBudget");
        Assert.InRange(budget.GetInt64(), 1L << 20, MaxGen0Budget);
        Assert.False(properties.GetProperty("System.GC.Concurrent").GetBoolean());
    }
}

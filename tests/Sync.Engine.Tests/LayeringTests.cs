namespace Sync.Engine.Tests;

/// <summary>The engine sits between the domain and the carriers: it knows neither wire formats nor sockets nor log sinks.</summary>
public sealed class LayeringTests
{
    [Fact]
    public void The_engine_references_only_the_domain_and_logging_abstractions()
    {
        var engine = typeof(Sync.Engine.Outside.GenerationPublisher).Assembly;
        var references = engine.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains("Sync.Core", references);
        Assert.Contains("Microsoft.Extensions.Logging.Abstractions", references);
        foreach (var name in references)
        {
            Assert.True(
                name is "Sync.Core" or "Microsoft.Extensions.Logging.Abstractions" || name.StartsWith("System.", StringComparison.Ordinal) || name == "netstandard",
                $"Sync.Engine references {name}");
            Assert.False(name.StartsWith("System.Net.", StringComparison.Ordinal), $"Sync.Engine references {name}");
        }
    }
}

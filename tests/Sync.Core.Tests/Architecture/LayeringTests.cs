namespace Sync.Core.Tests.Architecture;

/// <summary>Keeps the domain free of carriers and logging back-ends, as the design requires.</summary>
public sealed class LayeringTests
{
    [Fact]
    public void Core_references_no_grpc_protobuf_sockets_or_serilog()
    {
        var core = typeof(Sync.Core.SyncException).Assembly;
        var forbidden = new[] { "Grpc", "Google.Protobuf", "Serilog", "System.Net.Sockets", "System.Net.Http" };
        var references = core.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.Contains(references, r => r.StartsWith("System.Runtime", StringComparison.Ordinal));
        foreach (var name in references)
        {
            Assert.DoesNotContain(forbidden, f => name.StartsWith(f, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Core_exposes_no_generated_wire_types()
    {
        var core = typeof(Sync.Core.SyncException).Assembly;
        Assert.DoesNotContain(core.GetExportedTypes(), t => t.Namespace?.Contains("Protocol", StringComparison.Ordinal) == true);
        Assert.Contains(core.GetExportedTypes(), t => t.Name == "Manifest");
    }
}

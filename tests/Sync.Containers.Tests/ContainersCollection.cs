namespace Sync.Containers.Tests;

/// <summary>One container test at a time: each starts several containers and the machine has two cores.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ContainersCollection
{
    public const string Name = "Containers";
}

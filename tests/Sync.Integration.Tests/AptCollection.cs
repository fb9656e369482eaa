namespace Sync.Integration.Tests;

/// <summary>Tests that build APT repositories and kill processes run one at a time: the machine has two cores.</summary>
[CollectionDefinition("apt", DisableParallelization = true)]
public sealed class AptCollection;

namespace Sync.Fuzz;

/// <summary>A check of a fuzz target failed: the product would misbehave on this input even though nothing threw.</summary>
internal sealed class FuzzFinding(string message) : Exception(message);

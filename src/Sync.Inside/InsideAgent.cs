namespace Sync.Inside;

/// <summary>The agent's name: the command the operator types, the first word of every error line, the status document's agent.</summary>
internal static class InsideAgent
{
    public const string Name = "sync-inside";
}

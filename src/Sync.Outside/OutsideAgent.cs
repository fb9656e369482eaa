namespace Sync.Outside;

/// <summary>The agent's name: the command the operator types, the first word of every error line, the status document's agent.</summary>
internal static class OutsideAgent
{
    public const string Name = "sync-outside";
}

namespace Sync.Engine.Outside;

/// <summary>What an inside that answers said about a sync (the names an operator reads in logs).</summary>
public enum InsideAnswerStatus
{
    Published,
    NothingNew,
    Refused,
    Busy,
    MissingBase,
    StorageFull,
    Failed,
}

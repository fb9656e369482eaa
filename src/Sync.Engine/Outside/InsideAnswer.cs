using Sync.Core;

namespace Sync.Engine.Outside;

/// <summary>An answering inside's word on one sync: how it ended, at which generation, and why (one line).</summary>
public sealed record InsideAnswer(InsideAnswerStatus Status, long Generation, string Message)
{
    /// <summary>The exit code's kind for an answer that is not a success.</summary>
    public SyncErrorKind Kind => Status switch
    {
        InsideAnswerStatus.Refused => SyncErrorKind.Refused,
        InsideAnswerStatus.MissingBase => SyncErrorKind.MissingBase,
        InsideAnswerStatus.Busy => SyncErrorKind.Busy,
        InsideAnswerStatus.StorageFull => SyncErrorKind.Storage,
        _ => SyncErrorKind.Failure,
    };
}

using Sync.Core;
using Sync.Engine.Outside;
using Sync.Protocol.V1;

namespace Sync.Transport.Grpc;

/// <summary>
/// The inside's answer at the seam: the wire's <see cref="Outcome"/> is built and read only here, and callers outside
/// the transport see the engine's <see cref="InsideAnswer"/>.
/// </summary>
internal static class Outcomes
{
    public static Outcome Of(Outcome.Types.Status status, long generation, string message) =>
        new() { Status = status, Generation = (ulong)generation, Message = message };

    /// <summary>The answer for a sync that failed for <paramref name="e"/>'s reason, before any generation was named.</summary>
    public static Outcome Of(SyncException e) => Of(
        e.Kind switch
        {
            SyncErrorKind.Refused => Outcome.Types.Status.Refused,
            SyncErrorKind.MissingBase => Outcome.Types.Status.MissingBase,
            SyncErrorKind.Busy => Outcome.Types.Status.Busy,
            SyncErrorKind.Storage => Outcome.Types.Status.StorageFull,
            _ => Outcome.Types.Status.Failed,
        },
        0,
        e.Message);

    /// <summary>An outcome as the engine names it; a status this end does not know counts as a failure.</summary>
    public static InsideAnswer ToAnswer(Outcome outcome) => new(
        outcome.Status switch
        {
            Outcome.Types.Status.Published => InsideAnswerStatus.Published,
            Outcome.Types.Status.NothingNew => InsideAnswerStatus.NothingNew,
            Outcome.Types.Status.Refused => InsideAnswerStatus.Refused,
            Outcome.Types.Status.Busy => InsideAnswerStatus.Busy,
            Outcome.Types.Status.MissingBase => InsideAnswerStatus.MissingBase,
            Outcome.Types.Status.StorageFull => InsideAnswerStatus.StorageFull,
            _ => InsideAnswerStatus.Failed,
        },
        (long)outcome.Generation,
        outcome.Message);
}

namespace Sync.Core;

/// <summary>
/// An expected refusal or failure with a message fit for one line on stderr. Anything else that escapes
/// a command is a bug and is reported with its type.
/// </summary>
public sealed class SyncException : Exception
{
    public SyncException(SyncErrorKind kind, string message, Exception? inner = null)
        : base(message, inner)
    {
        Kind = kind;
    }

    public SyncErrorKind Kind { get; }

    /// <summary>
    /// The refusal or wait is about the inside's own tree (local changes, reprepro's lock), not about the input, which
    /// stays good: a long-running receiver keeps it and tries again in its next round.
    /// </summary>
    public bool AboutTarget { get; init; }

    /// <summary>For a refusal: its kind where the thrower knows it, for status and metrics; the message says the rest.</summary>
    public RefusalKind Refusal { get; init; }

    public static SyncException Refused(string message, Exception? inner = null) => new(SyncErrorKind.Refused, message, inner);

    public static SyncException Refused(RefusalKind kind, string message, Exception? inner = null) =>
        new(SyncErrorKind.Refused, message, inner) { Refusal = kind };

    public static SyncException Usage(string message) => new(SyncErrorKind.Usage, message);

    public static SyncException MissingBase(string message) => new(SyncErrorKind.MissingBase, message);

    public static SyncException Busy(string message) => new(SyncErrorKind.Busy, message);

    public static SyncException Storage(string message, Exception? inner = null) => new(SyncErrorKind.Storage, message, inner);
}

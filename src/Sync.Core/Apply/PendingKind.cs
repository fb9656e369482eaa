namespace Sync.Core.Apply;

/// <summary>Why a generation the inside knows of is not published yet; each kind is one word in `status --json`.</summary>
public enum PendingKind
{
    /// <summary>Not classified; the message says why.</summary>
    Other,

    /// <summary>A delta whose base generation is not published yet.</summary>
    MissingBase,

    /// <summary>A bundle part (or the rest of a stream) has not arrived yet.</summary>
    MissingPart,

    /// <summary>Announced over UDP but not collected (no spool for it); tried again.</summary>
    NotCollected,

    /// <summary>Complete in the UDP inbox, waiting for the receiver's next apply.</summary>
    InInbox,

    /// <summary>The inside's own tree stops it (local changes, reprepro's lock); kept and tried again.</summary>
    TargetBlocked,

    /// <summary>The disk failed while applying it (full, unwritable); kept and tried again.</summary>
    Storage,
}

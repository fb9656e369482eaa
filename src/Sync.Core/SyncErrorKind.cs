namespace Sync.Core;

/// <summary>Why an operation was refused; each kind maps to one documented process exit code.</summary>
public enum SyncErrorKind
{
    /// <summary>Anything not covered below (exit 1).</summary>
    Failure = 1,

    /// <summary>Wrong options or arguments (exit 2).</summary>
    Usage = 2,

    /// <summary>Input that is corrupt, unsigned, untrusted, replayed or hostile (exit 3).</summary>
    Refused = 3,

    /// <summary>A delta whose base generation the inside does not hold, or a bundle still missing parts (exit 4).</summary>
    MissingBase = 4,

    /// <summary>The disk or file system failed us, e.g. it is full (exit 5).</summary>
    Storage = 5,

    /// <summary>Another sync holds the other end or the state directory; nothing was done, try again later (exit 6).</summary>
    Busy = 6,
}

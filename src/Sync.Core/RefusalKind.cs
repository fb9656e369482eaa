namespace Sync.Core;

/// <summary>
/// Why input was refused, for machines (status, metrics) beside the message for people. Additive: a refusal no site
/// names yet is <see cref="Other"/>, and new kinds may be added.
/// </summary>
public enum RefusalKind
{
    /// <summary>Not classified; the message says why.</summary>
    Other,

    /// <summary>Signed by a key this inside does not trust.</summary>
    UntrustedKey,

    /// <summary>Signed by a trusted key, but the signature does not verify: altered or damaged.</summary>
    BadSignature,

    /// <summary>A format version this agent does not read.</summary>
    UnsupportedFormat,

    /// <summary>A generation not newer than the one published: replayed or out of order.</summary>
    Replayed,

    /// <summary>A delta from an older or another base than the one published: it can never apply here.</summary>
    WrongBase,

    /// <summary>Truncated, altered or inconsistent bytes: a stream, a manifest, a bundle index or part.</summary>
    Damaged,

    /// <summary>
    /// A signed manifest names what this inside never publishes: a hostile path (`..`, absolute), a symlink that leaves
    /// the tree or loops, an entry reached through a symlink or a file, a device file, an impossible mode.
    /// </summary>
    UnsafeEntry,
}

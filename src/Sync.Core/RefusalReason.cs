namespace Sync.Core;

/// <summary>
/// Why input was refused, in a few kinds an operator can alert on (the metrics' <c>reason</c> label); the message
/// says the rest. Kept small on purpose: a label value per refusal site would make every refusal its own series.
/// </summary>
public enum RefusalReason
{
    /// <summary>Damaged, truncated or malformed data: checksums, frames, indices, manifests that do not add up.</summary>
    Corrupt = 0,

    /// <summary>Signed by a key that is not trusted here, or a signature that does not verify.</summary>
    Signature,

    /// <summary>A generation at or below the published one: replayed, or old.</summary>
    Replay,

    /// <summary>A delta from another base than the published generation.</summary>
    OutOfOrder,

    /// <summary>A format this agent does not read.</summary>
    Format,

    /// <summary>A path, link or entry kind that could reach outside the tree or is never carried.</summary>
    HostilePath,
}

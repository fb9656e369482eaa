namespace Sync.Engine.Inside;

/// <summary>What the inside does with a signed header a carrier offers.</summary>
public enum AdmissionVerdict
{
    /// <summary>Trusted, in the format this inside reads, newer than what is published, on the published base: apply it.</summary>
    Accept,

    /// <summary>This very stream was applied before: skip it quietly (also when the key that signed it is retired since).</summary>
    AlreadyApplied,

    /// <summary>A delta from a generation this inside does not hold yet: keep it until that base is published.</summary>
    WaitForBase,

    /// <summary>Untrusted, altered, foreign, replayed, older, or on another base: it can never apply here.</summary>
    Refused,
}

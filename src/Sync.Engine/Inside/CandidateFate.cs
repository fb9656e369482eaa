namespace Sync.Engine.Inside;

/// <summary>How a candidate's turn in a round ended; the carrier keeps or removes it accordingly.</summary>
public enum CandidateFate
{
    /// <summary>Published.</summary>
    Applied,

    /// <summary>Applied before: nothing was done.</summary>
    AlreadyApplied,

    /// <summary>Not newer than what is published (a service's carousel repeat): dropped quietly.</summary>
    Superseded,

    /// <summary>Can never apply here; listed as refused.</summary>
    Refused,

    /// <summary>Its base is not published yet, or a part has not arrived: listed as pending, tried again.</summary>
    Waiting,

    /// <summary>The disk failed while applying it (a service only): listed as pending, tried again.</summary>
    Kept,
}

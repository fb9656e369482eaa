using Sync.Core;
using Sync.Core.Streams;

namespace Sync.Engine.Inside;

/// <summary>
/// The verdict on one signed header, with the header (verified for <see cref="AdmissionVerdict.Accept"/> and
/// <see cref="AdmissionVerdict.WaitForBase"/>; as claimed, or null when unreadable, otherwise) and, unless it is
/// accepted, the one-line reason an operator reads.
/// </summary>
public sealed record Admission(AdmissionVerdict Verdict, DeltaHeader? Header, string? Reason)
{
    /// <summary>The generation a waiting delta needs published first.</summary>
    public long WaitsFor => Verdict == AdmissionVerdict.WaitForBase ? Header!.BaseGeneration : 0;

    /// <summary>For <see cref="AdmissionVerdict.Refused"/>: what kind of refusal, for metrics.</summary>
    public RefusalReason Refusal { get; init; }
}

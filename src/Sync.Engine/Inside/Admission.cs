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
    /// <summary>For <see cref="AdmissionVerdict.Refused"/>: why, for machines.</summary>
    public RefusalKind Refusal { get; init; }

    /// <summary>The refusal to throw for <see cref="AdmissionVerdict.Refused"/>, its kind kept.</summary>
    public SyncException Refuse() => SyncException.Refused(Refusal, Reason!);

    /// <summary>The generation a waiting delta needs published first.</summary>
    public long WaitsFor => Verdict == AdmissionVerdict.WaitForBase ? Header!.BaseGeneration : 0;
}

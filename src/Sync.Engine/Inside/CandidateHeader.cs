using Sync.Core.Trust;

namespace Sync.Engine.Inside;

/// <summary>
/// The signed header a candidate announces, and the carrier's own signed wrapper around it when it has one (a
/// bundle's index): the wrapper is verified before the header is looked at.
/// </summary>
public sealed record CandidateHeader(SignedPayload Header, SignedPayload? Envelope = null);

using System.Diagnostics.CodeAnalysis;
using Sync.Core;
using Sync.Core.Streams;
using Sync.Core.Trust;

namespace Sync.Transport.FileDrop;

/// <summary>
/// One bundle found in a drop folder, as its index describes it. A valid listing's index was signed by a trusted
/// key (<see cref="BundleCatalog"/> checks that before parsing it); verify the header with the trust store before
/// applying the stream. A damaged or untrusted index is listed with its <see cref="Error"/> and nothing else.
/// </summary>
public sealed record BundleListing
{
    public required string IndexPath { get; init; }

    /// <summary>The bundle's name: the index file name without ".index".</summary>
    public required string Name { get; init; }

    /// <summary>The signed index (payload: a serialized BundleIndex), already verified.</summary>
    public SignedPayload? Envelope { get; init; }

    /// <summary>The signed delta header the index names; the stream's first frame must be exactly this.</summary>
    public SignedPayload? Header { get; init; }

    /// <summary>The header's content as claimed, unverified: good for choosing a bundle, not for trusting it.</summary>
    public DeltaHeader? ClaimedHeader { get; init; }

    /// <summary>
    /// The stream id prefix the file name claims (unverified, also for a damaged or untrusted index): enough to skip a
    /// bundle already applied without reading it, never to trust one.
    /// </summary>
    public string? NamedStreamPrefix { get; init; }

    public IReadOnlyList<BundlePartInfo> Parts { get; init; } = [];

    public long TotalBytes { get; init; }

    /// <summary>Why the index cannot be used (one line), or null.</summary>
    public string? Error { get; init; }

    /// <summary>The kind of <see cref="Error"/>: an untrusted key or a bad signature where the index says so, else damage.</summary>
    public RefusalKind ErrorKind { get; init; } = RefusalKind.Damaged;

    [MemberNotNullWhen(true, nameof(Envelope), nameof(Header), nameof(ClaimedHeader))]
    public bool IsValid => Error is null && Envelope is not null && Header is not null && ClaimedHeader is not null;
}

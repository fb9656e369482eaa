using Sync.Core.Apply;
using Sync.Core.Streams;

namespace Sync.Engine.Inside;

/// <summary>
/// One generation a carrier holds complete and hands to <see cref="GenerationIntake.ApplyInOrderAsync"/>: a bundle in
/// a drop folder, a stream in the UDP inbox. The carrier lists them; the engine orders, admits, applies and records,
/// and tells each how its turn ended. Called on the intake's task only.
/// </summary>
public interface IIntakeCandidate
{
    /// <summary>Names it in every message, e.g. "bundle sync-g00000002-...", "UDP generation 2 (delta from 1)".</summary>
    string What { get; }

    /// <summary>What it says it is, unverified; null when even that cannot be read (it is refused first).</summary>
    CandidateClaim? Claim { get; }

    /// <summary>
    /// The stream id prefix its name claims, unverified, also when <see cref="Claim"/> cannot be read (an index signed by
    /// a key since retired): enough to skip a stream applied before without reading it, never to trust one. Or null.
    /// </summary>
    string? NamedStreamPrefix { get; }

    /// <summary>Reads its signed header (and envelope); a refusal when it cannot be used at all (a damaged index).</summary>
    ValueTask<CandidateHeader> ReadHeaderAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Opens its frame stream, once admitted; throws a <see cref="Sync.Core.SyncErrorKind.MissingBase"/> error when a
    /// part has not arrived yet. The engine disposes the source when it is disposable.
    /// </summary>
    ValueTask<IDeltaSource> OpenAsync(CancellationToken cancellationToken);

    /// <summary>The line status shows while it waits (its base, a part) or is kept after disk trouble.</summary>
    string Pending(Exception reason, PublishedRecord published);

    /// <summary>How its turn ended; <paramref name="applied"/> is set for <see cref="CandidateFate.Applied"/>.</summary>
    void Settle(CandidateFate fate, AppliedGeneration? applied);
}

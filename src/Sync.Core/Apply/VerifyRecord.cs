namespace Sync.Core.Apply;

/// <summary>
/// The outcome of the last `verify` of the published generation, kept in the state: while it says the published
/// tree differs from its manifest, every import re-checks each file before reusing it, and `repair` says what to do.
/// </summary>
public sealed record VerifyRecord(long Generation, string ManifestDigest, DateTimeOffset At, int Problems, IReadOnlyList<string> Sample);

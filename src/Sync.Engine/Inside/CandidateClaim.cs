namespace Sync.Engine.Inside;

/// <summary>What a candidate says it is before anything of it is verified: good for ordering and for skipping what was applied.</summary>
public sealed record CandidateClaim(long Generation, long BaseGeneration, string StreamIdHex);

using Sync.Core.Hashing;

namespace Sync.Core.Streams;

/// <summary>
/// What the outside signs for each delta: the generation it produces (by manifest digest) and the generation
/// it needs on the inside. BaseGeneration 0 means a full generation that needs nothing.
/// </summary>
public sealed record DeltaHeader(
    int FormatVersion,
    byte[] StreamId,
    long TargetGeneration,
    Digest TargetManifestDigest,
    long TargetManifestSize,
    long BaseGeneration,
    Digest BaseManifestDigest,
    DateTimeOffset Created,
    long ContentCount,
    long PayloadBytes)
{
    public const int CurrentFormat = 1;

    public bool IsFull => BaseGeneration == 0;

    public string StreamIdHex => Convert.ToHexStringLower(StreamId);
}

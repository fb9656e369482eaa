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
    /// <summary>The manifest section carries the manifest whole, in slices. Every full generation uses it.</summary>
    public const int SlicedManifestFormat = 1;

    /// <summary>
    /// The manifest section of a delta is a patch against the base generation's manifest (<see cref="Manifests.ManifestPatch"/>).
    /// A full generation never uses it, so an inside that reads only format 1 can still start over from a full one.
    /// </summary>
    public const int PatchedManifestFormat = 2;

    /// <summary>The newest format this agent writes and reads.</summary>
    public const int CurrentFormat = PatchedManifestFormat;

    public bool IsFull => BaseGeneration == 0;

    public bool ManifestIsPatch => FormatVersion == PatchedManifestFormat;

    /// <summary>A format this agent reads: sliced, or patched for a delta (a full generation has no base to patch).</summary>
    public static bool IsReadable(int formatVersion, bool isFull) =>
        formatVersion == SlicedManifestFormat || (formatVersion == PatchedManifestFormat && !isFull);

    public string StreamIdHex => Convert.ToHexStringLower(StreamId);
}

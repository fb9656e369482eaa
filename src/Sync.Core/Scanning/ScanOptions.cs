using Sync.Core.Chunking;

namespace Sync.Core.Scanning;

public sealed record ScanOptions
{
    public ChunkerOptions Chunker { get; init; } = ChunkerOptions.Default;

    /// <summary>Re-hash every file even when the quick check says it is unchanged.</summary>
    public bool VerifyAll { get; init; }

    /// <summary>Whether a file (relative path, size) should keep a block signature for later byte deltas.</summary>
    public Func<string, long, bool> WantsSignature { get; init; } = (_, _) => false;

    /// <summary>
    /// Also keep the plain SHA-256 of each file of more than one chunk (the consistency check compares it with what APT's
    /// indices list), computed in the same read; a cached file that lacks it is read once more.
    /// </summary>
    public bool WantsContentSha256 { get; init; }

    public int Parallelism { get; init; } = Environment.ProcessorCount;
}

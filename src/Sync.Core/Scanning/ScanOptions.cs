using Sync.Core.Chunking;

namespace Sync.Core.Scanning;

public sealed record ScanOptions
{
    public ChunkerOptions Chunker { get; init; } = ChunkerOptions.Default;

    /// <summary>Re-hash every file even when the quick check says it is unchanged.</summary>
    public bool VerifyAll { get; init; }

    /// <summary>Whether a file (relative path, size) should keep a block signature for later byte deltas.</summary>
    public Func<string, long, bool> WantsSignature { get; init; } = (_, _) => false;

    public int Parallelism { get; init; } = Environment.ProcessorCount;
}

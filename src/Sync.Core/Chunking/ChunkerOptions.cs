using System.Numerics;

namespace Sync.Core.Chunking;

/// <summary>
/// Size bounds for content-defined chunking. Chunk boundaries are part of the wire and on-disk format, so both
/// sides of a sync must agree on these values; changing them re-chunks every file.
/// </summary>
public sealed record ChunkerOptions(int MinSize, int AverageSize, int MaxSize)
{
    /// <summary>The largest <see cref="MaxSize"/> accepted: it bounds the window a caller must buffer.</summary>
    public const int MaxAllowedSize = 8 << 20;

    /// <summary>The smallest <see cref="MinSize"/> accepted: below it the gear hash has too few bytes to spread on.</summary>
    public const int MinAllowedSize = 64;

    /// <summary>128 KiB / 512 KiB / 2 MiB: large enough that per-chunk overhead is small, small enough to dedupe .deb pools.</summary>
    public static ChunkerOptions Default { get; } = new(128 << 10, 512 << 10, 2 << 20);

    /// <summary>Throws <see cref="ArgumentException"/> unless 64 &lt;= MinSize &lt; AverageSize &lt; MaxSize &lt;= 8 MiB and AverageSize is a power of two.</summary>
    public void Validate()
    {
        if (MinSize < MinAllowedSize)
        {
            throw new ArgumentException($"chunker MinSize must be at least {MinAllowedSize} bytes, got {MinSize}");
        }

        if (AverageSize <= MinSize)
        {
            throw new ArgumentException($"chunker AverageSize ({AverageSize}) must be greater than MinSize ({MinSize})");
        }

        if (MaxSize <= AverageSize)
        {
            throw new ArgumentException($"chunker MaxSize ({MaxSize}) must be greater than AverageSize ({AverageSize})");
        }

        if (MaxSize > MaxAllowedSize)
        {
            throw new ArgumentException($"chunker MaxSize must be at most {MaxAllowedSize} bytes (8 MiB), got {MaxSize}");
        }

        if (!BitOperations.IsPow2(AverageSize))
        {
            throw new ArgumentException($"chunker AverageSize must be a power of two, got {AverageSize}");
        }
    }
}

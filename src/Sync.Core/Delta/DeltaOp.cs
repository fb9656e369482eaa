namespace Sync.Core.Delta;

/// <summary>
/// One instruction of a byte delta: either copy a range of the base (the old content the receiver holds) or
/// write literal bytes. Applying the ops in order to the base rebuilds the new content.
/// </summary>
/// <remarks>
/// A small struct rather than a class hierarchy: deltas have many ops and they travel in batches, so they should
/// not cost an allocation each. <c>default(DeltaOp)</c> is an empty literal, which applies as a no-op.
/// Ops produced by <see cref="DeltaEncoder"/> may point into a buffer the encoder reuses: see its remarks.
/// </remarks>
public readonly struct DeltaOp : IEquatable<DeltaOp>
{
    private DeltaOp(bool isCopy, long baseOffset, int length, ReadOnlyMemory<byte> data)
    {
        IsCopy = isCopy;
        BaseOffset = baseOffset;
        Length = length;
        Data = data;
    }

    /// <summary>True for a copy from the base, false for a literal.</summary>
    public bool IsCopy { get; }

    /// <summary>Where a copy starts in the base; 0 for a literal.</summary>
    public long BaseOffset { get; }

    /// <summary>The number of bytes this op writes: the copy length, or the literal's length.</summary>
    public int Length { get; }

    /// <summary>A literal's bytes; empty for a copy.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Copy <paramref name="length"/> bytes of the base starting at <paramref name="baseOffset"/>.</summary>
    public static DeltaOp Copy(long baseOffset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(baseOffset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return new DeltaOp(isCopy: true, baseOffset, length, ReadOnlyMemory<byte>.Empty);
    }

    /// <summary>Write <paramref name="data"/> as it is. The op holds the memory, it does not copy it.</summary>
    public static DeltaOp Literal(ReadOnlyMemory<byte> data) => new(isCopy: false, 0, data.Length, data);

    /// <summary>Ops are equal when they would write the same bytes from the same base (literals compare by content).</summary>
    public bool Equals(DeltaOp other) =>
        IsCopy == other.IsCopy && BaseOffset == other.BaseOffset && Length == other.Length && Data.Span.SequenceEqual(other.Data.Span);

    public override bool Equals(object? obj) => obj is DeltaOp other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(IsCopy, BaseOffset, Length);

    public static bool operator ==(DeltaOp left, DeltaOp right) => left.Equals(right);

    public static bool operator !=(DeltaOp left, DeltaOp right) => !left.Equals(right);

    public override string ToString() => IsCopy ? $"Copy({BaseOffset}, {Length})" : $"Literal({Length})";
}

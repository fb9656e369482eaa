namespace Sync.Fec.Internal;

/// <summary>
/// A set of positions in a transform's domain, asked only "is any position of this range in the set?": prefix
/// counts, so every question costs two reads. The empty set of counts means "every position".
/// </summary>
internal readonly ref struct PositionSet(ReadOnlySpan<int> prefixCounts)
{
    private readonly ReadOnlySpan<int> _prefixCounts = prefixCounts;

    public static PositionSet All => default;

    public bool IsAll => _prefixCounts.IsEmpty;

    public bool Any(int start, int count) => _prefixCounts.IsEmpty || _prefixCounts[start + count] != _prefixCounts[start];

    /// <summary>The same set seen from <paramref name="start"/>: position i of the result is position start + i here.</summary>
    public PositionSet From(int start) => _prefixCounts.IsEmpty ? this : new PositionSet(_prefixCounts[start..]);

    /// <summary>Writes the prefix counts of <paramref name="marked"/> (length n) into <paramref name="prefixCounts"/> (length n + 1).</summary>
    public static PositionSet Build(ReadOnlySpan<bool> marked, Span<int> prefixCounts)
    {
        prefixCounts[0] = 0;
        for (var i = 0; i < marked.Length; i++)
        {
            prefixCounts[i + 1] = prefixCounts[i] + (marked[i] ? 1 : 0);
        }

        return new PositionSet(prefixCounts[..(marked.Length + 1)]);
    }
}

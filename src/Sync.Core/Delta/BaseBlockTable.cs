using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Sync.Core.Delta;

/// <summary>
/// The base's full-size blocks as <see cref="DeltaEncoder"/> looks them up: chained by bucket of their weak checksum,
/// lowest index first, plus a blocked Bloom filter of about 32 bits per block (two bits in one 64-bit word, so a
/// probe is one load). The arrays are pooled and returned by <see cref="Dispose"/>; the encoder copies the references
/// into its own fields so its hot loop reads them without an indirection.
/// </summary>
/// <remarks>
/// The filter is what makes non-matching content fast: with buckets alone, half the offsets would land on a used
/// bucket, a branch the CPU cannot predict plus a walk of cold memory. The filter is small enough to stay in L2
/// (512 KiB at most for files up to 8 GiB) and lets well under one offset in a hundred through.
/// </remarks>
internal sealed class BaseBlockTable : IDisposable
{
    /// <summary>Fibonacci hashing: the top bits of the product depend on every bit of the weak checksum.</summary>
    public const ulong HashMultiplier = 0x9E37_79B9_7F4A_7C15;

    private BaseBlockTable(int[] buckets, int[] chain, ulong[] filter, int bucketShift, int filterShift)
    {
        Buckets = buckets;
        Chain = chain;
        Filter = filter;
        BucketShift = bucketShift;
        FilterShift = filterShift;
    }

    /// <summary>No block: nothing can match (a base shorter than one block).</summary>
    public static BaseBlockTable Empty { get; } = new([], [], [], 0, 0);

    /// <summary>The first block of each bucket (-1: none), indexed by the hash's top bits (<see cref="BucketShift"/>).</summary>
    public int[] Buckets { get; private set; }

    /// <summary>The next block of the same bucket (-1: none), per block.</summary>
    public int[] Chain { get; private set; }

    /// <summary>Filter words, indexed by the hash's top bits (<see cref="FilterShift"/>).</summary>
    public ulong[] Filter { get; private set; }

    public int BucketShift { get; }

    public int FilterShift { get; }

    /// <summary>Indexes the first <paramref name="fullBlocks"/> weak checksums.</summary>
    public static BaseBlockTable Build(ReadOnlySpan<uint> weak, int fullBlocks)
    {
        if (fullBlocks == 0)
        {
            return Empty;
        }

        var blockBits = BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)fullBlocks));
        var bucketBits = Math.Max(8, blockBits + 1);
        var filterWordBits = Math.Clamp(blockBits - 1, 4, 19);
        var bucketShift = 64 - bucketBits;
        var filterShift = 64 - filterWordBits;
        var buckets = ArrayPool<int>.Shared.Rent(1 << bucketBits);
        var chain = ArrayPool<int>.Shared.Rent(fullBlocks);
        var filter = ArrayPool<ulong>.Shared.Rent(1 << filterWordBits);
        buckets.AsSpan(0, 1 << bucketBits).Fill(-1);
        filter.AsSpan(0, 1 << filterWordBits).Clear();
        for (var i = fullBlocks - 1; i >= 0; i--)
        {
            var hash = weak[i] * HashMultiplier;
            var bucket = (int)(hash >> bucketShift);
            chain[i] = buckets[bucket];
            buckets[bucket] = i;
            filter[(int)(hash >> filterShift)] |= FilterBits(hash);
        }

        return new BaseBlockTable(buckets, chain, filter, bucketShift, filterShift);
    }

    /// <summary>The two filter bits of a hash, from product bits 32-43: clear of the word index, which uses the top bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong FilterBits(ulong hash) => (1UL << (int)(hash >> 32)) | (1UL << (int)(hash >> 38));

    public void Dispose()
    {
        if (Buckets.Length > 0)
        {
            ArrayPool<int>.Shared.Return(Buckets);
            ArrayPool<int>.Shared.Return(Chain);
            ArrayPool<ulong>.Shared.Return(Filter);
        }

        Buckets = [];
        Chain = [];
        Filter = [];
    }
}

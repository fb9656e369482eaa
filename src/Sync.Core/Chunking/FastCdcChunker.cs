using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Sync.Core.Chunking;

/// <summary>
/// FastCDC content-defined chunking (Xia et al., 2016/2020): a gear rolling hash, the first MinSize bytes of every
/// chunk skipped, and normalized chunking (a stricter mask before AverageSize, a looser one after) so chunk sizes
/// cluster around the average. Boundaries depend only on the bytes near them, so an insertion or deletion moves
/// the boundaries of one or two chunks and the rest of the file dedupes.
/// </summary>
/// <remarks>
/// The gear table and the mask layout are part of the on-disk and wire format: two builds that disagree on them
/// cut the same file differently and nothing dedupes. They must never change; a test pins them.
/// Instances are immutable and safe to share between threads.
/// </remarks>
public sealed class FastCdcChunker
{
    // Fixed forever: changing the seed or the generator changes every chunk boundary ever stored.
    private const ulong GearSeed = 0x5379_6E63_4344_4331; // "SyncCDC1"

    private static readonly ulong[] _gear = BuildGearTable();

    private readonly int _minSize;
    private readonly int _averageSize;
    private readonly int _maxSize;
    private readonly ulong _strictMask;
    private readonly ulong _looseMask;

    public FastCdcChunker(ChunkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _minSize = options.MinSize;
        _averageSize = options.AverageSize;
        _maxSize = options.MaxSize;

        // Normalization level 2: a cut is four times less likely than 1/AverageSize before the average and four
        // times more likely after it. The mask takes the hash's top bits because, with the gear hash's left
        // shift, the top bit depends on the last 64 bytes while the low bits see only the last few.
        var bits = BitOperations.Log2((uint)options.AverageSize);
        _strictMask = TopBits(bits + 2);
        _looseMask = TopBits(bits - 2);
    }

    public ChunkerOptions Options { get; }

    /// <summary>The gear table, exposed so a test can pin it.</summary>
    internal static ReadOnlySpan<ulong> GearTable => _gear;

    /// <summary>
    /// Finds the end of the chunk that starts at <paramref name="data"/>[0].
    /// </summary>
    /// <param name="data">
    /// The bytes from the start of the chunk. Unless <paramref name="isFinal"/>, at least MaxSize bytes, so that the
    /// boundary found does not depend on how much the caller happened to buffer.
    /// </param>
    /// <param name="isFinal">True when <paramref name="data"/> runs to the end of the file.</param>
    /// <returns>The chunk length, in [1, min(MaxSize, data.Length)].</returns>
    public int FindBoundary(ReadOnlySpan<byte> data, bool isFinal)
    {
        if (data.IsEmpty)
        {
            throw new ArgumentException("cannot chunk empty data", nameof(data));
        }

        if (!isFinal && data.Length < _maxSize)
        {
            throw new ArgumentException(
                $"need at least MaxSize ({_maxSize}) bytes unless the data runs to the end of the file, got {data.Length}", nameof(data));
        }

        if (data.Length <= _minSize)
        {
            return data.Length;
        }

        var end = Math.Min(data.Length, _maxSize);
        var normal = Math.Min(end, _averageSize);

        // No bounds checks in the loops: every index is below end <= data.Length, and a byte indexes the 256-entry table.
        ref var source = ref MemoryMarshal.GetReference(data);
        ulong hash = 0;
        var cut = Scan(ref source, ref hash, _minSize, normal, _strictMask);
        if (cut < 0)
        {
            cut = Scan(ref source, ref hash, normal, end, _looseMask);
        }

        return cut < 0 ? end : cut;
    }

    /// <summary>
    /// Rolls the gear hash over [<paramref name="start"/>, <paramref name="end"/>) and returns the length of the chunk
    /// cut at the first position whose hash has no bit of <paramref name="mask"/> set, or -1 with the hash carried on.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Scan(ref byte source, ref ulong hash, int start, int end, ulong mask)
    {
        ref var gear = ref MemoryMarshal.GetArrayDataReference(_gear);
        var h = hash;
        var i = start;

        // Four bytes a step: the same cuts as one at a time, with a quarter of the loop overhead.
        for (; i <= end - 4; i += 4)
        {
            h = (h << 1) + Unsafe.Add(ref gear, Unsafe.Add(ref source, i));
            if ((h & mask) == 0)
            {
                return i + 1;
            }

            h = (h << 1) + Unsafe.Add(ref gear, Unsafe.Add(ref source, i + 1));
            if ((h & mask) == 0)
            {
                return i + 2;
            }

            h = (h << 1) + Unsafe.Add(ref gear, Unsafe.Add(ref source, i + 2));
            if ((h & mask) == 0)
            {
                return i + 3;
            }

            h = (h << 1) + Unsafe.Add(ref gear, Unsafe.Add(ref source, i + 3));
            if ((h & mask) == 0)
            {
                return i + 4;
            }
        }

        for (; i < end; i++)
        {
            h = (h << 1) + Unsafe.Add(ref gear, Unsafe.Add(ref source, i));
            if ((h & mask) == 0)
            {
                return i + 1;
            }
        }

        hash = h;
        return -1;
    }

    private static ulong TopBits(int count) => ulong.MaxValue << (64 - count);

    /// <summary>256 values from splitmix64 (Steele, Lea and Flood) seeded with a constant: simple, well mixed, and ours.</summary>
    private static ulong[] BuildGearTable()
    {
        var table = new ulong[256];
        var state = GearSeed;
        for (var i = 0; i < table.Length; i++)
        {
            state += 0x9E37_79B9_7F4A_7C15;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9;
            z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB;
            table[i] = z ^ (z >> 31);
        }

        return table;
    }
}

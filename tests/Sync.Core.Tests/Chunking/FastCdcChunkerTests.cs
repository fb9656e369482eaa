using System.Buffers.Binary;
using System.IO.Hashing;
using Sync.Core.Chunking;
using Sync.Core.Hashing;

namespace Sync.Core.Tests.Chunking;

public sealed class FastCdcChunkerTests
{
    // Small bounds keep the tests fast while producing hundreds of chunks; Default is covered where it matters.
    private static readonly ChunkerOptions _small = new(2048, 8192, 32768);

    [Fact]
    public void GearTable_IsPinned()
    {
        // Chunk boundaries are part of the stored format: if this fails, every existing chunk store stops deduping.
        var table = FastCdcChunker.GearTable;
        Assert.Equal(256, table.Length);
        Assert.Equal(0x94AED4DA6B1E9D1EUL, table[0]);
        Assert.Equal(0x1951D838C1AFD500UL, table[1]);
        Assert.Equal(0x4736AAB76CC8DC86UL, table[255]);

        var bytes = new byte[table.Length * sizeof(ulong)];
        for (var i = 0; i < table.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(i * sizeof(ulong)), table[i]);
        }

        Assert.Equal(0x85E855FA62DAD6B1UL, XxHash64.HashToUInt64(bytes));
    }

    [Fact]
    public void Boundaries_ArePinned()
    {
        // Pins the mask layout and normalization as well as the table: same input, same cuts, forever.
        var lengths = ChunkAll(new FastCdcChunker(_small), RandomBytes(1 << 20, seed: 42));

        Assert.Equal(111, lengths.Count);
        Assert.Equal([8233, 10596, 10820, 8261, 9465, 8205, 9824, 8557, 9583, 8935, 10603, 10274], lengths.Take(12));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2047)]
    [InlineData(2048)]
    [InlineData(2049)]
    [InlineData(32768)]
    [InlineData(32769)]
    [InlineData(1_000_003)]
    public void Lengths_StayWithinBoundsAndCoverTheInput(int size)
    {
        var data = RandomBytes(size, seed: (ulong)size);

        var lengths = ChunkAll(new FastCdcChunker(_small), data);

        Assert.Equal(size, lengths.Sum());
        for (var i = 0; i < lengths.Count; i++)
        {
            Assert.InRange(lengths[i], 1, _small.MaxSize);
            if (i < lengths.Count - 1)
            {
                // Only the tail of a file may be shorter than MinSize.
                Assert.True(lengths[i] > _small.MinSize, $"chunk {i} is {lengths[i]} bytes, not above MinSize");
            }
        }
    }

    [Fact]
    public void Lengths_WithDefaultOptions_StayWithinBounds()
    {
        var data = RandomBytes(24 << 20, seed: 7);
        var options = ChunkerOptions.Default;

        var lengths = ChunkAll(new FastCdcChunker(options), data);

        Assert.Equal(data.Length, lengths.Sum());
        Assert.All(lengths.SkipLast(1), length => Assert.InRange(length, options.MinSize + 1, options.MaxSize));
    }

    [Fact]
    public void Boundaries_DoNotDependOnHowMuchTheCallerBuffered()
    {
        var data = RandomBytes(3 << 20, seed: 11);
        var chunker = new FastCdcChunker(_small);

        var whole = ChunkAll(chunker, data);
        var windowed = ChunkInWindows(chunker, data, extra: 0);
        var ragged = ChunkInWindows(chunker, data, extra: 12345);

        Assert.Equal(whole, windowed);
        Assert.Equal(whole, ragged);
    }

    [Fact]
    public void Chunking_IsDeterministicAcrossInstances()
    {
        var data = RandomBytes(2 << 20, seed: 3);

        var first = ChunkAll(new FastCdcChunker(_small), data);
        var second = ChunkAll(new FastCdcChunker(_small with { }), data);

        Assert.Equal(first, second);
        Assert.True(first.Count > 100, "the input should produce many chunks for the comparison to mean something");
    }

    [Theory]
    [InlineData(2048, 8192, 32768, 16)]
    [InlineData(256, 1024, 8192, 4)]
    [InlineData(128 << 10, 512 << 10, 2 << 20, 96)]
    public void AverageChunkSize_OnRandomData_IsNearTheTarget(int min, int average, int max, int megabytes)
    {
        var options = new ChunkerOptions(min, average, max);
        var data = RandomBytes(megabytes << 20, seed: (ulong)average);

        var lengths = ChunkAll(new FastCdcChunker(options), data);

        // Exclude the tail: it is cut by the end of the data, not by the content.
        var mean = lengths.SkipLast(1).Average();
        Assert.InRange(mean, average * 0.7, average * 1.3);

        // Normalized chunking keeps sizes away from the hard maximum on random data.
        var atMax = lengths.Count(length => length == max);
        Assert.True(atMax * 100 < lengths.Count, $"{atMax} of {lengths.Count} chunks were cut at MaxSize");
    }

    [Theory]
    [InlineData(5_000, 37)]
    [InlineData(100, 1)]
    [InlineData(70_000, -500)]
    public void AnEditNearTheStart_LeavesLaterChunksUnchanged(int at, int change)
    {
        var original = RandomBytes(8 << 20, seed: 99);
        byte[] edited;
        if (change > 0)
        {
            edited = [.. original.AsSpan(0, at), .. RandomBytes(change, seed: 5), .. original.AsSpan(at)];
        }
        else
        {
            edited = [.. original.AsSpan(0, at), .. original.AsSpan(at - change)];
        }

        var chunker = new FastCdcChunker(_small);
        var before = ChunkDigests(chunker, original);
        var after = ChunkDigests(chunker, edited);

        var known = new HashSet<Digest>(before);
        var reused = after.Count(known.Contains);
        Assert.True(before.Count > 500, $"only {before.Count} chunks");
        Assert.True(reused >= after.Count - 3, $"only {reused} of {after.Count} chunks survived a {change}-byte edit at {at}");

        // The boundaries after the edit are the old ones, shifted by the edit.
        var oldEnds = Ends(ChunkAll(chunker, original)).Where(end => end > at + 100_000).ToHashSet();
        var newEnds = Ends(ChunkAll(chunker, edited)).Where(end => end > at + 100_000 + change).Select(end => end - change).ToHashSet();
        Assert.Equal(oldEnds, newEnds);
    }

    [Fact]
    public void ChunkerOptions_Default_IsTheDocumentedSizes()
    {
        Assert.Equal(new ChunkerOptions(128 * 1024, 512 * 1024, 2 * 1024 * 1024), ChunkerOptions.Default);
        ChunkerOptions.Default.Validate();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100)]
    [InlineData(2047)]
    [InlineData(2048)]
    public void FinalInput_NoLongerThanMinSize_IsOneChunk(int size)
    {
        var chunker = new FastCdcChunker(_small);

        Assert.Equal(size, chunker.FindBoundary(RandomBytes(size, seed: 1), isFinal: true));
    }

    [Fact]
    public void FinalInput_ShorterThanMaxSize_IsNeverCutPastItsEnd()
    {
        var chunker = new FastCdcChunker(_small);
        for (var size = _small.MinSize + 1; size < _small.MaxSize; size += 997)
        {
            var data = RandomBytes(size, seed: (ulong)size);
            Assert.InRange(chunker.FindBoundary(data, isFinal: true), _small.MinSize + 1, size);
        }
    }

    [Fact]
    public void ContentWithoutCutPoints_IsCutAtMaxSize()
    {
        // A run of one byte value settles the gear hash on a constant that no mask accepts.
        var zeros = new byte[(_small.MaxSize * 5) + 10];

        var lengths = ChunkAll(new FastCdcChunker(_small), zeros);

        Assert.Equal([_small.MaxSize, _small.MaxSize, _small.MaxSize, _small.MaxSize, _small.MaxSize, 10], lengths);
    }

    [Fact]
    public void FindBoundary_RejectsEmptyData()
    {
        var chunker = new FastCdcChunker(_small);

        Assert.Throws<ArgumentException>(() => chunker.FindBoundary([], isFinal: true));
        Assert.Throws<ArgumentException>(() => chunker.FindBoundary([], isFinal: false));
    }

    [Fact]
    public void FindBoundary_RejectsLessThanMaxSizeUnlessFinal()
    {
        var chunker = new FastCdcChunker(_small);
        var data = RandomBytes(_small.MaxSize, seed: 2);

        Assert.Throws<ArgumentException>(() => chunker.FindBoundary(data.AsSpan(0, _small.MaxSize - 1), isFinal: false));
        Assert.InRange(chunker.FindBoundary(data, isFinal: false), 1, _small.MaxSize);
    }

    [Theory]
    [InlineData(63, 1024, 4096)] // min too small
    [InlineData(1024, 1024, 4096)] // average not above min
    [InlineData(2048, 1024, 4096)] // average below min
    [InlineData(256, 1024, 1024)] // max not above average
    [InlineData(256, 1000, 4096)] // average not a power of two
    [InlineData(1024, 4096, (8 << 20) + 1)] // max too large
    [InlineData(-1, 1024, 4096)]
    public void InvalidOptions_AreRejected(int min, int average, int max)
    {
        var options = new ChunkerOptions(min, average, max);

        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("chunker", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new FastCdcChunker(options));
    }

    [Theory]
    [InlineData(64, 128, 256)]
    [InlineData(1024, 4096, 8 << 20)]
    public void BoundaryOptions_AreAccepted(int min, int average, int max)
    {
        var options = new ChunkerOptions(min, average, max);

        options.Validate();
        var lengths = ChunkAll(new FastCdcChunker(options), RandomBytes(100_000, seed: 4));
        Assert.Equal(100_000, lengths.Sum());
    }

    private static List<int> ChunkAll(FastCdcChunker chunker, ReadOnlySpan<byte> data)
    {
        var lengths = new List<int>();
        while (!data.IsEmpty)
        {
            var length = chunker.FindBoundary(data, isFinal: true);
            lengths.Add(length);
            data = data[length..];
        }

        return lengths;
    }

    /// <summary>Feeds the chunker what a streaming reader would hold: MaxSize (+ extra) bytes, final only at the end.</summary>
    private static List<int> ChunkInWindows(FastCdcChunker chunker, byte[] data, int extra)
    {
        var window = chunker.Options.MaxSize + extra;
        var lengths = new List<int>();
        var offset = 0;
        while (offset < data.Length)
        {
            var isFinal = data.Length - offset <= window;
            var length = chunker.FindBoundary(data.AsSpan(offset, isFinal ? data.Length - offset : window), isFinal);
            lengths.Add(length);
            offset += length;
        }

        return lengths;
    }

    private static List<Digest> ChunkDigests(FastCdcChunker chunker, byte[] data)
    {
        var digests = new List<Digest>();
        var offset = 0;
        foreach (var length in ChunkAll(chunker, data))
        {
            digests.Add(Digest.Compute(data.AsSpan(offset, length)));
            offset += length;
        }

        return digests;
    }

    private static IEnumerable<long> Ends(List<int> lengths)
    {
        long end = 0;
        foreach (var length in lengths)
        {
            end += length;
            yield return end;
        }
    }

    /// <summary>splitmix64 output: stable across runtimes, unlike System.Random, so pinned values stay valid.</summary>
    private static byte[] RandomBytes(int length, ulong seed)
    {
        var data = new byte[length];
        var state = seed;
        Span<byte> word = stackalloc byte[8];
        for (var i = 0; i < length; i += 8)
        {
            state += 0x9E37_79B9_7F4A_7C15;
            var z = state;
            z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9;
            z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EB;
            BinaryPrimitives.WriteUInt64LittleEndian(word, z ^ (z >> 31));
            word[..Math.Min(8, length - i)].CopyTo(data.AsSpan(i));
        }

        return data;
    }
}

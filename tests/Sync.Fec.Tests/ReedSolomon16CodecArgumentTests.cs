namespace Sync.Fec.Tests;

public sealed class ReedSolomon16CodecArgumentTests
{
    private readonly ReedSolomon16Codec _codec = new(4, 3);

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, -1)]
    [InlineData(65000, 1000)]
    [InlineData(65536, 0)]
    [InlineData(32769, 32768)]
    public void Impossible_shapes_are_rejected(int k, int r) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReedSolomon16Codec(k, r));

    [Theory]
    [InlineData(65535, 1, 1)]
    [InlineData(32768, 32768, 32768)]
    [InlineData(61440, 4096, 4096)]
    [InlineData(4, 3, 4 + 65536 - 8)]
    [InlineData(15360, 1000, 1024 + 65536 - 16384)]
    public void The_largest_shapes_fit_the_field_and_say_how_many_repairs_they_have(int k, int r, int maxRepairs) =>
        Assert.Equal(maxRepairs, new ReedSolomon16Codec(k, r).MaxRepairSymbols);

    [Theory]
    [InlineData(1)]
    [InlineData(63)]
    [InlineData(100)]
    [InlineData(1436)]
    public void Symbols_that_are_not_a_multiple_of_64_bytes_are_refused_with_a_clear_message(int length)
    {
        var error = Assert.Throws<ArgumentException>(() => _codec.Encode(Symbols(4, length), [0], [new byte[length]]));
        Assert.Contains("multiple of 64 bytes", error.Message, StringComparison.Ordinal);
        var (data, present) = Block(4, length, lost: [1]);
        Assert.Throws<ArgumentException>(() => _codec.Decode(data, present, [0], [new byte[length]]));
    }

    [Fact]
    public void Too_few_repairs_say_how_many_are_needed()
    {
        var (data, present) = Block(4, 64, lost: [0, 2]);
        var error = Assert.Throws<ArgumentException>(() => _codec.Decode(data, present, [1], [new byte[64]]));
        Assert.Contains("2 data symbols are lost", error.Message, StringComparison.Ordinal);
        Assert.Contains("only 1 repair", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_rejects_the_wrong_number_of_data_symbols_and_mismatched_lengths()
    {
        var error = Assert.Throws<ArgumentException>(() => _codec.Encode(Symbols(3, 64), [0], [new byte[64]]));
        Assert.Contains("expected 4 data symbols", error.Message, StringComparison.Ordinal);
        var data = Symbols(4, 64);
        data[2] = new byte[128];
        Assert.Throws<ArgumentException>(() => _codec.Encode(data, [0], [new byte[64]]));
        Assert.Throws<ArgumentException>(() => _codec.Encode(Symbols(4, 64), [0], [new byte[128]]));
    }

    [Fact]
    public void Encode_rejects_indices_that_do_not_match_the_outputs()
    {
        Assert.Throws<ArgumentException>(() => _codec.Encode(Symbols(4, 64), [0, 1], [new byte[64]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => _codec.Encode(Symbols(4, 64), [_codec.MaxRepairSymbols], [new byte[64]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => _codec.Encode(Symbols(4, 64), [-1], [new byte[64]]));
        var duplicate = Assert.Throws<ArgumentException>(() => _codec.Encode(Symbols(4, 64), [5000, 5000], [new byte[64], new byte[64]]));
        Assert.Contains("twice", duplicate.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_rejects_bad_arguments()
    {
        var (data, present) = Block(4, 64, lost: [1]);
        Assert.Throws<ArgumentException>(() => _codec.Decode(data[..3], present[..3], [0], [new byte[64]]));
        Assert.Throws<ArgumentException>(() => _codec.Decode(data, present[..3], [0], [new byte[64]]));
        Assert.Throws<ArgumentException>(() => _codec.Decode(data, present, [0], [new byte[128]]));
        Assert.Throws<ArgumentException>(() => _codec.Decode(data, present, [0, 1], [new byte[64]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => _codec.Decode(data, present, [_codec.MaxRepairSymbols], [new byte[64]]));
        Assert.Throws<ArgumentException>(() => _codec.Decode(data, present, [2, 2], [new byte[64], new byte[64]]));
        data[3] = new byte[192];
        Assert.Throws<ArgumentException>(() => _codec.Decode(data, present, [0], [new byte[64]]));
    }

    [Fact]
    public void Nothing_to_do_is_a_no_op()
    {
        _codec.Encode(Symbols(4, 64), [], []);
        _codec.Encode(Symbols(4, 0), [0, 9], [Array.Empty<byte>(), Array.Empty<byte>()]);
        var (data, present) = Block(4, 64, lost: []);
        var before = data.Select(d => d.ToArray()).ToArray();
        _codec.Decode(data, present, [], []);
        Assert.All(Enumerable.Range(0, 4), i => Assert.True(data[i].Span.SequenceEqual(before[i])));
    }

    private static ReadOnlyMemory<byte>[] Symbols(int count, int length) => [.. Enumerable.Range(0, count).Select(_ => (ReadOnlyMemory<byte>)new byte[length])];

    private static (Memory<byte>[] Data, bool[] Present) Block(int count, int length, int[] lost) =>
        ([.. Enumerable.Range(0, count).Select(_ => (Memory<byte>)new byte[length])], [.. Enumerable.Range(0, count).Select(i => !lost.Contains(i))]);
}

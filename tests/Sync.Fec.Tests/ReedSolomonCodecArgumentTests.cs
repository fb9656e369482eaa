namespace Sync.Fec.Tests;

public sealed class ReedSolomonCodecArgumentTests
{
    private readonly ReedSolomonCodec _codec = new(4, 3);

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, -1)]
    [InlineData(200, 57)]
    public void Impossible_shapes_are_rejected(int k, int r) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReedSolomonCodec(k, r));

    [Fact]
    public void Too_few_repairs_say_how_many_are_needed()
    {
        var (data, present) = Block(4, 8, lost: [0, 2]);
        var error = Assert.Throws<ArgumentException>(() => _codec.Decode(data, present, [1], [new byte[8]]));
        Assert.Contains("2 data symbols are lost", error.Message, StringComparison.Ordinal);
        Assert.Contains("only 1 repair", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_rejects_the_wrong_number_of_data_symbols()
    {
        var error = Assert.Throws<ArgumentException>(() => _codec.Encode(Symbols(3, 8), [0], [new byte[8]]));
        Assert.Contains("expected 4 data symbols", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_rejects_mismatched_symbol_lengths()
    {
        var data = Symbols(4, 8);
        data[2] = new byte[9];
        Assert.Throws<ArgumentException>(() => _codec.Encode(data, [0], [new byte[8]]));
        Assert.Throws<ArgumentException>(() => _codec.Encode(Symbols(4, 8), [0], [new byte[7]]));
    }

    [Fact]
    public void Encode_rejects_indices_that_do_not_match_the_outputs()
    {
        Assert.Throws<ArgumentException>(() => _codec.Encode(Symbols(4, 8), [0, 1], [new byte[8]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => _codec.Encode(Symbols(4, 8), [3], [new byte[8]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => _codec.Encode(Symbols(4, 8), [-1], [new byte[8]]));
        var duplicate = Assert.Throws<ArgumentException>(() => _codec.Encode(Symbols(4, 8), [1, 1], [new byte[8], new byte[8]]));
        Assert.Contains("twice", duplicate.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Decode_rejects_bad_arguments()
    {
        var (data, present) = Block(4, 8, lost: [1]);
        Assert.Throws<ArgumentException>(() => _codec.Decode(data[..3], present[..3], [0], [new byte[8]]));
        Assert.Throws<ArgumentException>(() => _codec.Decode(data, present[..3], [0], [new byte[8]]));
        Assert.Throws<ArgumentException>(() => _codec.Decode(data, present, [0], [new byte[9]]));
        Assert.Throws<ArgumentException>(() => _codec.Decode(data, present, [0, 1], [new byte[8]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => _codec.Decode(data, present, [7], [new byte[8]]));
        Assert.Throws<ArgumentException>(() => _codec.Decode(data, present, [2, 2], [new byte[8], new byte[8]]));
        data[3] = new byte[5];
        Assert.Throws<ArgumentException>(() => _codec.Decode(data, present, [0], [new byte[8]]));
    }

    [Fact]
    public void Nothing_lost_needs_no_repairs_and_changes_nothing()
    {
        var (data, present) = Block(4, 8, lost: []);
        var before = data.Select(d => d.ToArray()).ToArray();
        _codec.Decode(data, present, [], []);
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(before[i], data[i].ToArray()));
    }

    [Fact]
    public void Empty_symbols_are_a_no_op_that_still_checks_the_repair_count()
    {
        _codec.Encode(Symbols(4, 0), [0, 2], [Array.Empty<byte>(), Array.Empty<byte>()]);
        var (data, present) = Block(4, 0, lost: [0, 3]);
        _codec.Decode(data, present, [1, 2], [Array.Empty<byte>(), Array.Empty<byte>()]);
        Assert.Throws<ArgumentException>(() => _codec.Decode(data, present, [1], [Array.Empty<byte>()]));
    }

    private static ReadOnlyMemory<byte>[] Symbols(int count, int length) =>
        [.. Enumerable.Range(0, count).Select(_ => (ReadOnlyMemory<byte>)new byte[length])];

    private static (Memory<byte>[] Data, bool[] Present) Block(int count, int length, int[] lost)
    {
        var data = Enumerable.Range(0, count).Select(i => (Memory<byte>)Enumerable.Repeat((byte)i, length).ToArray()).ToArray();
        var present = Enumerable.Range(0, count).Select(i => !lost.Contains(i)).ToArray();
        return (data, present);
    }
}

using Sync.Transport.Grpc;

namespace Sync.Integration.Tests;

/// <summary>Unit tests of the pool Kestrel reads into (no server needed).</summary>
public sealed class LargeBlockMemoryPoolTests
{
    [Fact]
    public void Hands_out_whole_blocks_and_reuses_returned_ones()
    {
        using var pool = new LargeBlockMemoryPool();
        var first = pool.Rent(4096);
        Assert.Equal(LargeBlockMemoryPool.BlockBytes, first.Memory.Length);
        var memory = first.Memory;
        first.Dispose();

        using var second = pool.Rent();
        Assert.True(second.Memory.Span == memory.Span, "a returned block is handed out again");
    }

    [Fact]
    public void A_block_disposed_twice_is_handed_out_once()
    {
        using var pool = new LargeBlockMemoryPool();
        var block = pool.Rent();
        block.Dispose();
        block.Dispose();

        using var a = pool.Rent();
        using var b = pool.Rent();
        Assert.False(a.Memory.Span == b.Memory.Span);
    }

    [Fact]
    public void Keeps_at_most_its_retention_limit()
    {
        using var pool = new LargeBlockMemoryPool();
        var blocks = Enumerable.Range(0, LargeBlockMemoryPool.MaxRetained + 10).Select(_ => pool.Rent()).ToList();
        var arrays = blocks.Select(b => b.Memory).ToList();
        blocks.ForEach(b => b.Dispose());

        var again = Enumerable.Range(0, LargeBlockMemoryPool.MaxRetained + 10).Select(_ => pool.Rent()).ToList();
        var reused = again.Count(b => arrays.Any(m => m.Span == b.Memory.Span));
        Assert.Equal(LargeBlockMemoryPool.MaxRetained, reused);
        again.ForEach(b => b.Dispose());
    }

    [Fact]
    public void Refuses_a_request_larger_than_a_block()
    {
        using var pool = new LargeBlockMemoryPool();
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent(LargeBlockMemoryPool.BlockBytes + 1));
    }
}

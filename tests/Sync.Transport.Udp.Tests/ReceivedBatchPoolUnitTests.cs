using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

public sealed class ReceivedBatchPoolUnitTests
{
    [Fact]
    public void A_backlog_of_batches_is_kept_whole_until_trimmed_and_the_last_released_are_reused_first()
    {
        var pool = new ReceivedBatchPool();

        // A decode loop behind by 200 batches: every one of them comes back to the pool, none is dropped.
        var held = Enumerable.Range(0, 200).Select(_ => pool.Rent()).ToList();
        Assert.Equal(0, pool.Count);
        foreach (ReceivedBatch batch in held)
        {
            batch.Release();
        }

        Assert.Equal(200, pool.Count);
        Assert.Same(held[^1], pool.Rent());
        held[^1].Release();

        // The link goes quiet: the most recently released stay, in the same order.
        pool.TrimTo(ReceivedBatchPool.IdleKeep);
        Assert.Equal(ReceivedBatchPool.IdleKeep, pool.Count);
        Assert.Same(held[^1], pool.Rent());
        Assert.Same(held[^2], pool.Rent());

        pool.TrimTo(100);
        Assert.Equal(ReceivedBatchPool.IdleKeep - 2, pool.Count);
    }
}

using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

public sealed class SendWindowPoolUnitTests
{
    [Fact]
    public void A_returned_window_is_rented_again_by_a_session_it_fits_and_not_by_one_it_does_not()
    {
        var pool = new SendWindowPool();
        var window = pool.Rent(100, 1472);
        pool.Return(window);

        Assert.Same(window, pool.Rent(80, 1472)); // fits: reused, no new pages
        pool.Return(window);
        Assert.NotSame(window, pool.Rent(101, 1472)); // too small
        Assert.NotSame(window, pool.Rent(10, 1400)); // other datagram size
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public void The_smallest_window_that_fits_is_rented_and_the_smallest_goes_when_the_pool_is_full()
    {
        var pool = new SendWindowPool();
        var windows = Enumerable.Range(1, SendWindowPool.MaxKept + 1).Select(i => new SendWindow(i * 10, 100)).ToList();
        windows.ForEach(pool.Return);

        Assert.Equal(SendWindowPool.MaxKept, pool.Count);
        Assert.Equal(20, pool.Rent(15, 100).Capacity); // the 10-datagram window went; 20 is the smallest that fits
        Assert.Equal(30, pool.Rent(15, 100).Capacity);
    }
}

using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

/// <summary>The receiver's spare block buffers: reused by exact length, bounded in bytes, and never a source of stale bytes.</summary>
public sealed class BlockBufferPoolUnitTests
{
    [Fact]
    public void A_returned_buffer_serves_the_next_rent_of_its_length_and_only_that_length()
    {
        var pool = new BlockBufferPool(100);
        byte[] first = pool.Rent(40);
        pool.Return(first);

        Assert.NotSame(first, pool.Rent(30));
        Assert.Same(first, pool.Rent(40));
        Assert.Equal(0, pool.SpareBytes);
        Assert.NotSame(first, pool.Rent(40)); // taken: a fresh one
    }

    [Fact]
    public void Spares_past_the_bound_drop_the_oldest_and_clear_drops_them_all()
    {
        var pool = new BlockBufferPool(100);
        byte[] a = new byte[40], b = new byte[40], c = new byte[40];
        pool.Return(a);
        pool.Return(b);
        pool.Return(c);
        Assert.Equal(80, pool.SpareBytes);

        Assert.Same(c, pool.Rent(40)); // the newest first
        Assert.Same(b, pool.Rent(40));
        Assert.NotSame(a, pool.Rent(40)); // a went over the bound

        pool.Return(new byte[200]); // larger than the whole bound: not kept
        pool.Return(new byte[10]);
        Assert.Equal(10, pool.SpareBytes);
        pool.Clear();
        Assert.Equal(0, pool.SpareBytes);
    }

    [Fact]
    public void A_write_behind_of_large_blocks_reuses_the_last_sessions_buffers_and_writes_none_of_their_old_bytes()
    {
        using var dir = new TempDirectory();
        const int t = 64 << 10, k = 20; // 1.25 MiB blocks: over the shared pool's share, so the block pool serves them
        var layout = new ObjectLayout(3L * k * t, t, k);
        var pool = new BlockBufferPool();

        // The first session fills every symbol with 0xAA and hands its buffers back.
        string first = Path.Combine(dir.Path, "first");
        using (var file = File.OpenHandle(first, FileMode.Create, FileAccess.ReadWrite))
        {
            RandomAccess.SetLength(file, layout.SymbolCount * (long)t);
            using var writeBehind = new DataWriteBehind(file, layout, pool);
            var filled = Enumerable.Repeat((byte)0xAA, t).ToArray();
            for (long block = 0; block < layout.BlockCount; block++)
            {
                for (int symbol = 0; symbol < k; symbol++)
                {
                    writeBehind.Add(block, symbol, filled);
                }
            }

            writeBehind.FlushAll();
        }

        long spare = pool.SpareBytes;
        Assert.True(spare >= (long)k * t, $"no block buffer was kept: {spare} bytes spare");

        // The second session gets those buffers and writes one symbol per block: the rest of its file stays zero.
        string second = Path.Combine(dir.Path, "second");
        var expected = new byte[layout.SymbolCount * t];
        using (var file = File.OpenHandle(second, FileMode.Create, FileAccess.ReadWrite))
        {
            RandomAccess.SetLength(file, expected.Length);
            using var writeBehind = new DataWriteBehind(file, layout, pool);
            var one = Enumerable.Repeat((byte)0x55, t).ToArray();
            for (long block = 0; block < layout.BlockCount; block++)
            {
                writeBehind.Add(block, 3, one);
                one.CopyTo(expected, layout.Offset(block, 3));
            }

            Assert.True(pool.SpareBytes < spare, "the second session allocated instead of reusing the spares");
            writeBehind.FlushAll();
        }

        Assert.Equal(expected, File.ReadAllBytes(second));
    }
}

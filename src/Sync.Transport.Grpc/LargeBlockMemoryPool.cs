using System.Buffers;
using System.Collections.Concurrent;
using Microsoft.AspNetCore.Connections;

namespace Sync.Transport.Grpc;

/// <summary>
/// The memory Kestrel reads sockets into and buffers requests in, in 64 KiB blocks instead of its own 4 KiB ones.
/// Kestrel reads at most one free block per receive, so with 4 KiB blocks a 2 GiB push took a million receive calls
/// (each also a pipe flush and a wake-up of the HTTP/2 reader); with 64 KiB blocks it takes about 33,000. Blocks
/// are pinned (sockets write into them) and reused; at most <see cref="MaxRetained"/> are kept when returned.
/// </summary>
public sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockBytes = 64 << 10;

    /// <summary>Blocks kept for reuse (16 MiB); more are left to the garbage collector when returned.</summary>
    public const int MaxRetained = 256;

    private readonly ConcurrentStack<Block> _free = new();
    private int _retained;

    public override int MaxBufferSize => BlockBytes;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, BlockBytes);
        if (_free.TryPop(out var block))
        {
            Interlocked.Decrement(ref _retained);
        }
        else
        {
            block = new Block(this);
        }

        block.Rented = 1;
        return block;
    }

    protected override void Dispose(bool disposing) => _free.Clear();

    private void Return(Block block)
    {
        if (Interlocked.Increment(ref _retained) <= MaxRetained)
        {
            _free.Push(block);
        }
        else
        {
            Interlocked.Decrement(ref _retained);
        }
    }

    private sealed class Block(LargeBlockMemoryPool pool) : IMemoryOwner<byte>
    {
        private readonly byte[] _array = GC.AllocateUninitializedArray<byte>(BlockBytes, pinned: true);

        public int Rented;

        public Memory<byte> Memory => _array;

        public void Dispose()
        {
            // A block returned twice must not be handed out twice.
            if (Interlocked.Exchange(ref Rented, 0) == 1)
            {
                pool.Return(this);
            }
        }
    }
}

/// <summary>Gives Kestrel a <see cref="LargeBlockMemoryPool"/> wherever it asks for a pool.</summary>
public sealed class LargeBlockMemoryPoolFactory : IMemoryPoolFactory<byte>
{
    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new LargeBlockMemoryPool();
}

using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Gathers the data symbols of open blocks in memory and writes them to the object file in runs: once per block
/// when it completes, or for every block when the session checkpoints. Interleaving means consecutive packets
/// belong to different blocks, so writing each symbol on arrival cost one pwrite per packet; this costs a few per
/// block. Callers must flush a block before reading it back and flush all before persisting a bitmap that covers
/// these symbols. Owned by the receiver's decode loop.
/// </summary>
internal sealed class DataWriteBehind(SafeFileHandle file, ObjectLayout layout, BlockBufferPool buffers) : IDisposable
{
    /// <summary>Blocks buffered at once before everything is written out (about 47 MB for k=128).</summary>
    public const int MaxBlocks = 256;

    /// <summary>
    /// Bytes buffered at once: a GF(2^16) block is tens of MB, so blocks alone would not bound it. 64 MiB holds an
    /// interleaved window of the planner's shapes (docs/fec.md), so blocks are still written whole.
    /// </summary>
    public const long MaxBytes = 64L << 20;

    // Buffers of whole blocks over this size come from the receiver's block pool, at their exact size, rather than
    // from the shared pool, which rounds up to a power of two (a 21.6 MB GF(2^16) block would take 32 MiB).
    private const int OwnBuffersAbove = 1 << 20;

    private readonly Dictionary<long, Pending> _blocks = [];
    private long _bufferedBytes;

    /// <summary>Memory the buffers of <paramref name="layout"/> may take at most.</summary>
    public static long MaxBufferedBytes(ObjectLayout layout)
    {
        long block = (long)layout.K * layout.SymbolSize;
        long blocks = Math.Min(layout.BlockCount, MaxBlocks);
        return Math.Min(blocks * block, Math.Max(MaxBytes, block));
    }

    public void Add(long block, int symbol, ReadOnlySpan<byte> payload)
    {
        if (!_blocks.TryGetValue(block, out Pending? pending))
        {
            long bytes = (long)layout.DataSymbols(block) * layout.SymbolSize;
            if (_blocks.Count >= MaxBlocks || (_blocks.Count > 0 && _bufferedBytes + bytes > MaxBytes))
            {
                FlushAll();
            }

            pending = new Pending(Rent((int)bytes), layout.DataSymbols(block));
            _blocks[block] = pending;
            _bufferedBytes += bytes;
        }

        int t = layout.SymbolSize;
        payload.CopyTo(pending.Buffer.AsSpan(symbol * t, t));
        pending.Symbols[symbol >> 6] |= 1UL << (symbol & 63);
    }

    /// <summary>Writes the buffered symbols of <paramref name="block"/>, one write per run of consecutive symbols.</summary>
    public void Flush(long block)
    {
        if (!_blocks.Remove(block, out Pending? pending))
        {
            return;
        }

        int k = layout.DataSymbols(block);
        _bufferedBytes -= (long)k * layout.SymbolSize;
        try
        {
            int t = layout.SymbolSize;
            for (int j = 0; j < k;)
            {
                if (!pending.Has(j))
                {
                    j++;
                    continue;
                }

                int start = j;
                while (j < k && pending.Has(j))
                {
                    j++;
                }

                RandomAccess.Write(file, pending.Buffer.AsSpan(start * t, (j - start) * t), layout.Offset(block, start));
            }
        }
        finally
        {
            Return(pending.Buffer);
        }
    }

    public void FlushAll()
    {
        foreach (long block in _blocks.Keys.ToArray())
        {
            Flush(block);
        }
    }

    /// <summary>Returns the buffers without writing them (after a final <see cref="FlushAll"/>, or on failure).</summary>
    public void Dispose()
    {
        foreach (Pending pending in _blocks.Values)
        {
            Return(pending.Buffer);
        }

        _blocks.Clear();
        _bufferedBytes = 0;
    }

    private byte[] Rent(int bytes)
    {
        if (bytes <= OwnBuffersAbove)
        {
            return ArrayPool<byte>.Shared.Rent(bytes);
        }

        return buffers.Rent(FullBlockBytes(bytes));
    }

    private void Return(byte[] buffer)
    {
        if (buffer.Length <= OwnBuffersAbove)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        else
        {
            buffers.Return(buffer);
        }
    }

    /// <summary>Own buffers are made the size of a whole block, so one serves any block of the session.</summary>
    private int FullBlockBytes(int bytes) => Math.Max(bytes, layout.K * layout.SymbolSize);

    private sealed class Pending(byte[] buffer, int dataSymbols)
    {
        public byte[] Buffer { get; } = buffer;

        public ulong[] Symbols { get; } = new ulong[(dataSymbols + 63) / 64];

        public bool Has(int symbol) => (Symbols[symbol >> 6] & (1UL << (symbol & 63))) != 0;
    }
}

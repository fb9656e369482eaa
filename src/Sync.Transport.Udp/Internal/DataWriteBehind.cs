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
internal sealed class DataWriteBehind(SafeFileHandle file, ObjectLayout layout) : IDisposable
{
    /// <summary>Blocks buffered at once before everything is written out (bounds memory at about 47 MB for k=128).</summary>
    public const int MaxBlocks = 256;

    private readonly Dictionary<long, Pending> _blocks = [];

    public void Add(long block, int symbol, ReadOnlySpan<byte> payload)
    {
        if (!_blocks.TryGetValue(block, out Pending? pending))
        {
            if (_blocks.Count >= MaxBlocks)
            {
                FlushAll();
            }

            pending = new Pending(ArrayPool<byte>.Shared.Rent(layout.DataSymbols(block) * layout.SymbolSize));
            _blocks[block] = pending;
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

        try
        {
            int k = layout.DataSymbols(block);
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
            ArrayPool<byte>.Shared.Return(pending.Buffer);
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
            ArrayPool<byte>.Shared.Return(pending.Buffer);
        }

        _blocks.Clear();
    }

    private sealed class Pending(byte[] buffer)
    {
        public byte[] Buffer { get; } = buffer;

        public ulong[] Symbols { get; } = new ulong[ObjectLayout.SymbolSpace / 64];

        public bool Has(int symbol) => (Symbols[symbol >> 6] & (1UL << (symbol & 63))) != 0;
    }
}

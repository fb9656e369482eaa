using System.Numerics;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// A receive session's block bookkeeping: one bitmap per block of the symbol ids it holds (the bytes that
/// <see cref="SessionStateFile"/> persists), a count of held symbols per block so that storing a symbol never scans
/// a bitmap, and the bitmap pages changed since the last checkpoint. Owned by the session on the decode loop.
/// </summary>
internal sealed class SymbolBitmaps
{
    private readonly ObjectLayout _layout;
    private readonly byte[] _bits;
    private readonly bool[] _dirtyPages;
    private readonly List<int> _dirty = [];
    private readonly ushort[] _held;

    public SymbolBitmaps(ObjectLayout layout)
    {
        _layout = layout;
        _bits = new byte[checked(layout.BlockCount * layout.BitmapBytes)];
        _dirtyPages = new bool[(_bits.Length + SessionStateFile.PageBytes - 1) / SessionStateFile.PageBytes];
        _held = new ushort[layout.BlockCount];
    }

    /// <summary>The bitmaps of all blocks, back to back: what the state file reads into and writes from.</summary>
    public byte[] Bytes => _bits;

    public bool Has(long block, int symbol) => (_bits[block * _layout.BitmapBytes + (symbol >> 3)] & (1 << (symbol & 7))) != 0;

    /// <summary>Marks a symbol held; the page it is on is written at the next checkpoint.</summary>
    public void Mark(long block, int symbol)
    {
        long at = block * _layout.BitmapBytes + (symbol >> 3);
        byte bit = (byte)(1 << (symbol & 7));
        if ((_bits[at] & bit) != 0)
        {
            return;
        }

        _bits[at] |= bit;
        if (_held[block] < ushort.MaxValue)
        {
            _held[block]++; // after a decode marks the rebuilt symbols the count no longer matters
        }

        int page = (int)(at / SessionStateFile.PageBytes);
        if (!_dirtyPages[page])
        {
            _dirtyPages[page] = true;
            _dirty.Add(page);
        }
    }

    /// <summary>Symbols held for <paramref name="block"/>; a block stops taking symbols at k, so this fits 16 bits.</summary>
    public int Held(long block) => _held[block];

    /// <summary>Counts the bits of a block read from disk and takes that as its held count; returns the count.</summary>
    public int Recount(long block)
    {
        ReadOnlySpan<byte> bits = _bits.AsSpan(checked((int)(block * _layout.BitmapBytes)), _layout.BitmapBytes);
        int count = 0;
        for (int i = 0; i < bits.Length; i += 8)
        {
            count += BitOperations.PopCount(BitConverter.ToUInt64(bits[i..]));
        }

        _held[block] = (ushort)Math.Min(count, ushort.MaxValue);
        return count;
    }

    /// <summary>Whether every data symbol of <paramref name="block"/> is held.</summary>
    public bool DataComplete(long block) => DataComplete(_bits, _layout.BitmapBytes, block, _layout.DataSymbols(block));

    /// <summary>Whether the first <paramref name="k"/> bits of a block's bitmap in <paramref name="bitmaps"/> are all set.</summary>
    public static bool DataComplete(byte[] bitmaps, int bitmapBytes, long block, int k)
    {
        ReadOnlySpan<byte> bits = bitmaps.AsSpan(checked((int)(block * bitmapBytes)), bitmapBytes);
        for (int j = 0; j < k >> 3; j++)
        {
            if (bits[j] != 0xFF)
            {
                return false;
            }
        }

        int rest = k & 7;
        return rest == 0 || (bits[k >> 3] & ((1 << rest) - 1)) == (1 << rest) - 1;
    }

    /// <summary>
    /// Copies the pages changed since the last call, for a checkpoint to write beside the loop; false when none
    /// changed. <paramref name="snapshot"/> holds the pages in the order of <paramref name="pages"/>.
    /// </summary>
    public bool TakeDirty(out int[] pages, out byte[] snapshot)
    {
        if (_dirty.Count == 0)
        {
            pages = [];
            snapshot = [];
            return false;
        }

        pages = [.. _dirty];
        snapshot = new byte[pages.Length * SessionStateFile.PageBytes];
        int at = 0;
        foreach (int page in pages)
        {
            int start = page * SessionStateFile.PageBytes;
            int length = Math.Min(SessionStateFile.PageBytes, _bits.Length - start);
            _bits.AsSpan(start, length).CopyTo(snapshot.AsSpan(at));
            at += length;
            _dirtyPages[page] = false;
        }

        _dirty.Clear();
        return true;
    }

    /// <summary>After a failed checkpoint nobody knows which pages made it: write them all next time.</summary>
    public void MarkAllDirty()
    {
        Array.Fill(_dirtyPages, true);
        _dirty.Clear();
        _dirty.AddRange(Enumerable.Range(0, _dirtyPages.Length));
    }
}

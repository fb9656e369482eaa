namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? The interleaver and the pass plan. Blocks are grouped into windows of at most
/// <c>interleave</c> blocks (sizes evened out so the last window is not a lone block); inside a window the sender
/// goes row by row, one symbol of each block in turn, so B consecutive lost packets cost each block at most
/// ceil(B / window size) symbols. Each pass gives every block <c>k_b + repair</c> slots; slot s of pass p carries
/// symbol id <c>((p - 1) * slots + s) mod ids</c>, where ids is the block's id space (256 for GF(2^8); for GF(2^16)
/// k_b plus the code's repair indices, see <see cref="FecCodes.IdSpace"/>), so pass 1 is all data plus the first
/// repair symbols and every later pass continues through fresh repair ids, wrapping to the data ids only when the
/// ids are used up. Pure and immutable.
/// </summary>
internal sealed class SymbolSchedule
{
    public SymbolSchedule(ObjectLayout layout, int repairPerPass, int interleave)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interleave, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(repairPerPass);
        if (FecCodes.ShapeError(layout.Code, layout.K, repairPerPass) is { } error)
        {
            throw new ArgumentOutOfRangeException(nameof(repairPerPass), repairPerPass, error);
        }

        Layout = layout;
        RepairPerPass = repairPerPass;
        WindowCount = layout.BlockCount == 0 ? 0 : (layout.BlockCount + interleave - 1) / interleave;
    }

    public ObjectLayout Layout { get; }

    public int RepairPerPass { get; }

    public long WindowCount { get; }

    /// <summary>The largest window, which sizes the sender's buffers.</summary>
    public int MaxWindowBlocks => WindowCount == 0 ? 0 : (int)((Layout.BlockCount + WindowCount - 1) / WindowCount);

    public int Slots(long block) => Layout.DataSymbols(block) + RepairPerPass;

    /// <summary>Symbol packets in one pass over the whole object.</summary>
    public long PacketsPerPass => Layout.SymbolCount + Layout.BlockCount * RepairPerPass;

    /// <summary>First block and block count of window <paramref name="window"/>; window sizes differ by at most one.</summary>
    public (long First, int Count) Window(long window)
    {
        long baseSize = Layout.BlockCount / WindowCount;
        long larger = Layout.BlockCount % WindowCount;
        long first = window * baseSize + Math.Min(window, larger);
        return (first, (int)(baseSize + (window < larger ? 1 : 0)));
    }

    /// <summary>Symbol ids block <paramref name="block"/> can carry; ids wrap around this many.</summary>
    public int IdSpace(long block) => FecCodes.IdSpace(Layout.Code, Layout.DataSymbols(block), RepairPerPass);

    public int SymbolId(long block, int pass, int slot)
    {
        int slots = Slots(block);
        return (int)(((long)(pass - 1) * slots + slot) % IdSpace(block));
    }

    /// <summary>The slot of its pass that carried <paramref name="symbol"/> in <paramref name="pass"/>: the inverse of <see cref="SymbolId"/>.</summary>
    public int SlotOf(long block, int pass, int symbol)
    {
        int ids = IdSpace(block);
        long slot = (symbol - (long)(pass - 1) * Slots(block)) % ids;
        return (int)(slot < 0 ? slot + ids : slot);
    }

    /// <summary>Appends the send order of one window in one pass (1-based) to <paramref name="order"/>.</summary>
    public void Fill(int pass, long window, List<SymbolRef> order)
    {
        (long first, int count) = Window(window);
        int rows = 0;
        for (int i = 0; i < count; i++)
        {
            rows = Math.Max(rows, Slots(first + i));
        }

        for (int slot = 0; slot < rows; slot++)
        {
            for (int i = 0; i < count; i++)
            {
                long block = first + i;
                if (slot < Slots(block))
                {
                    order.Add(new SymbolRef(block, SymbolId(block, pass, slot)));
                }
            }
        }
    }
}

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
/// <para>
/// With GF(2^16) a window shorter than <c>interleave</c> blocks (the evened-out windows of an object that is not a
/// multiple of it, or a whole object smaller than one window) gives each of its blocks
/// <c>ceil(repair x interleave / window size)</c> repairs per pass: a burst costs a block of a window of R blocks
/// ceil(B / R) symbols, and the planner sized <c>repair</c> for ceil(B / interleave), so this keeps its promise
/// whatever the object's size, for about one window's repairs more per pass. GF(2^8) keeps <c>repair</c> per block:
/// its ids run out at 256, and its defaults are not a plan for bursts.
/// </para>
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
        Interleave = interleave;
        ScalesRepairsToWindow = layout.Code == FecCode.ReedSolomon16;
        WindowCount = layout.BlockCount == 0 ? 0 : (layout.BlockCount + interleave - 1) / interleave;
    }

    public int Interleave { get; }

    /// <summary>Whether blocks of short windows get more repairs (GF(2^16)); see the class remarks.</summary>
    public bool ScalesRepairsToWindow { get; }

    public ObjectLayout Layout { get; }

    public int RepairPerPass { get; }

    public long WindowCount { get; }

    /// <summary>The largest window, which sizes the sender's buffers.</summary>
    public int MaxWindowBlocks => WindowCount == 0 ? 0 : (int)((Layout.BlockCount + WindowCount - 1) / WindowCount);

    public int Slots(long block) => Layout.DataSymbols(block) + Repairs(block);

    /// <summary>Repair symbols <paramref name="block"/> gets per pass: <see cref="RepairPerPass"/>, more in a short GF(2^16) window.</summary>
    public int Repairs(long block)
    {
        if (!ScalesRepairsToWindow || RepairPerPass == 0)
        {
            return RepairPerPass;
        }

        int windowBlocks = Window(WindowOf(block)).Count;
        long scaled = ((long)RepairPerPass * Interleave + windowBlocks - 1) / windowBlocks;
        return (int)Math.Min(Math.Max(scaled, RepairPerPass), IdSpace(block) - Layout.DataSymbols(block));
    }

    /// <summary>Most symbols a pass sends of one block: sizes the sender's per-block tables.</summary>
    public int MaxSlots => DistinctWindows().Select(w => Window(w)).Select(w => Math.Max(Slots(w.First), Slots(w.First + w.Count - 1))).DefaultIfEmpty(0).Max();

    /// <summary>Most symbol packets in one window of one pass: sizes the sender's window buffers.</summary>
    public long MaxWindowPackets => DistinctWindows().Select(WindowPackets).DefaultIfEmpty(0).Max();

    /// <summary>Symbol packets window <paramref name="window"/> sends in each pass.</summary>
    public long WindowPackets(long window)
    {
        (long first, int count) = Window(window);
        long packets = 0;
        for (long b = first; b < first + count; b++)
        {
            packets += Slots(b);
        }

        return packets;
    }

    /// <summary>
    /// One window of each kind: windows come in two sizes (the larger first), and only the last holds the short
    /// block, so these three have every slot count and packet count any window has.
    /// </summary>
    private IEnumerable<long> DistinctWindows() =>
        WindowCount == 0 ? [] : new[] { 0, WindowCount - 2, WindowCount - 1 }.Where(w => w >= 0).Distinct();

    /// <summary>Symbol packets in one pass over the whole object.</summary>
    public long PacketsPerPass
    {
        get
        {
            if (!ScalesRepairsToWindow)
            {
                return Layout.SymbolCount + Layout.BlockCount * RepairPerPass;
            }

            long packets = 0;
            for (long w = 0; w < WindowCount; w++)
            {
                packets += WindowPackets(w);
            }

            return packets;
        }
    }

    /// <summary>The window that sends <paramref name="block"/>.</summary>
    public long WindowOf(long block)
    {
        long baseSize = Layout.BlockCount / WindowCount;
        long larger = Layout.BlockCount % WindowCount;
        long inLarger = larger * (baseSize + 1);
        return block < inLarger ? block / (baseSize + 1) : larger + (block - inLarger) / baseSize;
    }

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

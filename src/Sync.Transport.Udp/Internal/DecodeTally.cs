namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Per-packet outcomes of the decode loop, counted in plain fields and added to <see cref="UdpReceiverStats"/> once
/// per batch: an interlocked add per packet would also pull the stats' cache line away from the receive thread,
/// which updates its own counters next to these. Owned by the decode loop.
/// </summary>
internal struct DecodeTally
{
    public long Stored;
    public long Duplicates;
    public long Ignored;
    public long Unannounced;
    public long Garbage;

    /// <summary>Tallies what storing one symbol did; true when it completed the object.</summary>
    public bool Count(StoreResult result)
    {
        switch (result)
        {
            case StoreResult.Stored:
                Stored++;
                return false;
            case StoreResult.ObjectComplete:
                Stored++;
                return true;
            case StoreResult.Invalid:
                Garbage++;
                return false;
            case StoreResult.Duplicate:
                Duplicates++;
                return false;
            default:
                return false;
        }
    }

    public void FlushTo(UdpReceiverStats stats)
    {
        Flush(ref Stored, ref stats._symbolsStored);
        Flush(ref Duplicates, ref stats._duplicates);
        Flush(ref Ignored, ref stats._ignored);
        Flush(ref Unannounced, ref stats._unannounced);
        Flush(ref Garbage, ref stats._garbage);
    }

    private static void Flush(ref long count, ref long total)
    {
        if (count != 0)
        {
            UdpReceiverStats.Add(ref total, count);
            count = 0;
        }
    }
}

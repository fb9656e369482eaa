namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? Where the pieces of a session ticket that came in several announces wait until all are in. Nothing
/// here is trusted yet, so it is bounded three ways: at most <c>maxEntries</c> tickets being put together and
/// <c>maxBytes</c> bytes held (the oldest go first when a new one does not fit), and a ticket not complete within
/// <c>maxAgeTicks</c> is dropped. A forger can make it churn but never grow, and a real ticket, whose pieces come
/// back to back every announce interval, completes between two of his. Owned by the decode loop (not thread-safe).
/// </summary>
internal sealed class AnnounceHoldingArea(int maxEntries, long maxBytes, long maxAgeTicks)
{
    private readonly LinkedList<Entry> _order = new();
    private readonly Dictionary<(ulong Session, ulong Ticket), LinkedListNode<Entry>> _entries = [];
    private long _bytes;

    public int Count => _entries.Count;

    public long Bytes => _bytes;

    /// <summary>
    /// Adds one piece; returns the whole sealed ticket once every piece is in (its SHA-256 is not checked here).
    /// A piece that disagrees with the ones before it about the ticket's shape is ignored; pieces cut for another
    /// announce size land where they say, and the ticket's SHA-256, checked by the caller, catches the mix.
    /// </summary>
    public byte[]? Add(ulong sessionId, in AnnounceFragment fragment, ReadOnlySpan<byte> piece, long now)
    {
        Expire(now);
        var key = (sessionId, fragment.TicketId);
        if (!_entries.TryGetValue(key, out LinkedListNode<Entry>? node))
        {
            if (fragment.SealedLength > maxBytes)
            {
                return null;
            }

            while (_entries.Count >= maxEntries || _bytes + fragment.SealedLength > maxBytes)
            {
                Remove(_order.First!);
            }

            node = _order.AddLast(new Entry(key, fragment.SealedLength, fragment.SealLength, fragment.Count, now));
            _entries[key] = node;
            _bytes += fragment.SealedLength;
        }

        Entry entry = node.Value;
        if (entry.Bytes.Length != fragment.SealedLength || entry.SealLength != fragment.SealLength || entry.Count != fragment.Count ||
            fragment.Start + piece.Length > entry.Bytes.Length)
        {
            return null;
        }

        ulong bit = 1UL << fragment.Index;
        if ((entry.Have & bit) == 0)
        {
            piece.CopyTo(entry.Bytes.AsSpan(fragment.Start));
            entry.Have |= bit;
        }

        if (entry.Have != (entry.Count == 64 ? ulong.MaxValue : (1UL << entry.Count) - 1))
        {
            return null;
        }

        Remove(node);
        return entry.Bytes;
    }

    /// <summary>Drops what has waited longer than the age limit.</summary>
    public void Expire(long now)
    {
        while (_order.First is { } oldest && now - oldest.Value.Since > maxAgeTicks)
        {
            Remove(oldest);
        }
    }

    private void Remove(LinkedListNode<Entry> node)
    {
        _order.Remove(node);
        _entries.Remove(node.Value.Key);
        _bytes -= node.Value.Bytes.Length;
    }

    private sealed class Entry((ulong, ulong) key, int length, int sealLength, int count, long since)
    {
        public (ulong Session, ulong Ticket) Key { get; } = key;

        public byte[] Bytes { get; } = new byte[length];

        public int SealLength { get; } = sealLength;

        public int Count { get; } = count;

        public long Since { get; } = since;

        public ulong Have { get; set; }
    }
}

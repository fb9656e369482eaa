namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? The bounds on the receiver's open sessions: at most <c>maxSessions</c> at once, holding at most
/// <c>maxStateBytes</c> of memory between them (bitmaps, write-behind buffers; see <see cref="ReceiveSession.StateBytes"/>).
/// Only verified sessions ever get in (a ticket is verified before its session opens), and when a new one does not
/// fit, the least recently active are closed to make room: their spools stay on disk and they resume at their next
/// announce. So a verified session is refused only when it alone needs more memory than the whole bound. Activity is
/// sampled once a second from the sessions' store counters, never per packet. Owned by the decode loop.
/// </summary>
internal sealed class SessionTable(int maxSessions, long maxStateBytes)
{
    public const int DefaultMaxSessions = 64;
    public const long DefaultMaxStateBytes = 1L << 30;

    private readonly Dictionary<ulong, Slot> _slots = [];

    public int Count => _slots.Count;

    public long StateBytes { get; private set; }

    public long MaxStateBytes => maxStateBytes;

    /// <summary>Whether a session needing <paramref name="stateBytes"/> could ever be open (with every other one closed).</summary>
    public bool Fits(long stateBytes) => stateBytes <= maxStateBytes;

    /// <summary>
    /// Takes out the least recently active sessions until one needing <paramref name="stateBytes"/> fits, and returns
    /// their ids for the caller to close, least recently active first. Call only when <see cref="Fits"/> holds.
    /// </summary>
    public List<ulong> MakeRoom(long stateBytes)
    {
        var victims = new List<ulong>();
        while (_slots.Count > 0 && (_slots.Count >= maxSessions || StateBytes + stateBytes > maxStateBytes))
        {
            ulong oldest = 0;
            long oldestAt = long.MaxValue;
            foreach ((ulong id, Slot slot) in _slots)
            {
                if (slot.LastActive < oldestAt)
                {
                    (oldest, oldestAt) = (id, slot.LastActive);
                }
            }

            Remove(oldest);
            victims.Add(oldest);
        }

        return victims;
    }

    public void Add(ulong id, long stateBytes, long now)
    {
        Remove(id);
        _slots[id] = new Slot(stateBytes) { LastActive = now };
        StateBytes += stateBytes;
    }

    /// <summary>Marks a session active now (called once a second for sessions that stored something since the last call).</summary>
    public void Touch(ulong id, long now)
    {
        if (_slots.TryGetValue(id, out Slot? slot))
        {
            slot.LastActive = now;
        }
    }

    public bool Remove(ulong id)
    {
        if (!_slots.Remove(id, out Slot? slot))
        {
            return false;
        }

        StateBytes -= slot.StateBytes;
        return true;
    }

    private sealed class Slot(long stateBytes)
    {
        public long StateBytes { get; } = stateBytes;

        public long LastActive { get; set; }
    }
}

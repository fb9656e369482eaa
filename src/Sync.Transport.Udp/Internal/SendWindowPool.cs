namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Windows a sender's sessions hand on to each other. A stream sent in parts runs a session per part, two at a time
/// (one on the wire, the next priming); without this each would allocate its windows afresh (tens of MB each), and
/// the kernel would zero every new page again. Keeps at most <see cref="MaxKept"/> windows, the largest. Thread-safe.
/// </summary>
internal sealed class SendWindowPool
{
    public const int MaxKept = 8;

    private readonly List<SendWindow> _kept = [];
    private readonly object _lock = new();

    /// <summary>A kept window that holds <paramref name="maxPackets"/> datagrams of <paramref name="datagramSize"/> bytes, or a new one.</summary>
    public SendWindow Rent(int maxPackets, int datagramSize)
    {
        lock (_lock)
        {
            int best = -1;
            for (int i = 0; i < _kept.Count; i++)
            {
                var window = _kept[i];
                if (window.DatagramSize == datagramSize && window.Capacity >= maxPackets && (best < 0 || window.Capacity < _kept[best].Capacity))
                {
                    best = i; // the smallest that fits: the large ones stay for the large parts
                }
            }

            if (best >= 0)
            {
                var found = _kept[best];
                _kept.RemoveAt(best);
                return found;
            }
        }

        return new SendWindow(maxPackets, datagramSize);
    }

    public void Return(SendWindow window)
    {
        lock (_lock)
        {
            _kept.Add(window);
            if (_kept.Count > MaxKept)
            {
                int smallest = 0;
                for (int i = 1; i < _kept.Count; i++)
                {
                    if (_kept[i].Datagrams.Length < _kept[smallest].Datagrams.Length)
                    {
                        smallest = i;
                    }
                }

                _kept.RemoveAt(smallest);
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _kept.Count;
            }
        }
    }
}

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? The validated datagrams of one receive burst, copied end to end into one buffer: the unit that
/// travels from the receive thread to the decode loop, so the queue and its wake-ups cost per burst, not per packet.
/// The receive thread fills a batch it took from its <see cref="ReceivedBatchPool"/>; the decode loop reads it and
/// <see cref="Release"/>s it back. Buffers grow to the largest burst seen and are then reused, so a steady stream
/// allocates nothing. A batch's first growth goes straight to a full burst of datagrams as long as the one that did not
/// fit: growing by doubling made a new batch at jumbo MTU copy itself five times through short-lived large arrays, on
/// the one thread that drains the socket, just when a backlog made the pool run out. The buffer is allocated without
/// zeroing, so a batch of a few datagrams does not write the rest of it.
/// </summary>
internal sealed class ReceivedBatch
{
    /// <summary>Not a batch: the 1-second signal to checkpoint, queued by the receiver's timer.</summary>
    public static readonly ReceivedBatch Tick = new(null);

    /// <summary>Most datagrams one batch holds: <see cref="ReceiveLoop"/> hands a batch over before another full read could pass this.</summary>
    public const int MaxPackets = ReceiveLoop.MaxBatchPackets;

    private readonly ReceivedBatchPool? _pool;
    private byte[] _data = [];
    private (PacketHeader Header, int Offset, int Length)[] _packets = [];
    private int _used;

    private ReceivedBatch(ReceivedBatchPool? pool) => _pool = pool;

    public int Count { get; private set; }

    /// <summary>Bytes the buffer holds before it must grow.</summary>
    internal int Capacity => _data.Length;

    public ReceivedPacket this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count);
            (PacketHeader header, int offset, int length) = _packets[index];
            return new ReceivedPacket(header, _data, offset, length);
        }
    }

    /// <summary>A new batch that returns to <paramref name="pool"/> when released (the pool's to call).</summary>
    public static ReceivedBatch Create(ReceivedBatchPool pool) => new(pool);

    /// <summary>Copies a validated datagram in.</summary>
    public void Add(in PacketHeader header, ReadOnlySpan<byte> datagram)
    {
        if (_used + datagram.Length > _data.Length)
        {
            Grow(datagram.Length);
        }

        if (Count == _packets.Length)
        {
            Array.Resize(ref _packets, Math.Max(MaxPackets, _packets.Length * 2));
        }

        datagram.CopyTo(_data.AsSpan(_used));
        _packets[Count++] = (header, _used, datagram.Length);
        _used += datagram.Length;
    }

    private void Grow(int datagramLength)
    {
        long wanted = Math.Max(Math.Max((long)MaxPackets * datagramLength, _data.Length * 2L), (long)_used + datagramLength);
        byte[] larger = GC.AllocateUninitializedArray<byte>((int)Math.Min(wanted, Array.MaxLength));
        _data.AsSpan(0, _used).CopyTo(larger);
        _data = larger;
    }

    /// <summary>Empties the batch and hands it back to its pool; the caller must not touch it afterwards.</summary>
    public void Release()
    {
        if (_pool is null)
        {
            return;
        }

        Count = 0;
        _used = 0;
        _pool.Return(this);
    }
}

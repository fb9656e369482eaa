namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? The validated datagrams of one receive burst, copied end to end into one buffer: the unit that
/// travels from the receive thread to the decode loop, so the queue and its wake-ups cost per burst, not per packet.
/// The receive thread fills a batch it took from its <see cref="ReceivedBatchPool"/>; the decode loop reads it and
/// <see cref="Release"/>s it back. Buffers grow to the largest burst seen and are then reused, so a steady stream
/// allocates nothing.
/// </summary>
internal sealed class ReceivedBatch
{
    /// <summary>Not a batch: the 1-second signal to checkpoint, queued by the receiver's timer.</summary>
    public static readonly ReceivedBatch Tick = new(null);

    // Enough for a burst of 1500-MTU datagrams before the first growth.
    private const int InitialPackets = 64;
    private const int InitialBytes = InitialPackets * 1536;

    private readonly ReceivedBatchPool? _pool;
    private byte[] _data = [];
    private (PacketHeader Header, int Offset, int Length)[] _packets = [];
    private int _used;

    private ReceivedBatch(ReceivedBatchPool? pool) => _pool = pool;

    public int Count { get; private set; }

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
            byte[] larger = GC.AllocateUninitializedArray<byte>(Math.Max(Math.Max(InitialBytes, _data.Length * 2), _used + datagram.Length));
            _data.AsSpan(0, _used).CopyTo(larger);
            _data = larger;
        }

        if (Count == _packets.Length)
        {
            Array.Resize(ref _packets, Math.Max(InitialPackets, _packets.Length * 2));
        }

        datagram.CopyTo(_data.AsSpan(_used));
        _packets[Count++] = (header, _used, datagram.Length);
        _used += datagram.Length;
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

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// One window's worth of ready-to-send datagrams, in send order, plus the data symbols they were encoded from.
/// A sender keeps two or three of these and cycles them between the producer thread (fills) and the send thread
/// (drains), so the hot path never allocates. Owned by exactly one of the two at any time.
/// </summary>
internal sealed class SendWindow
{
    public SendWindow(int maxBlocks, int k, int symbolSize, int maxPackets, int datagramSize)
    {
        Data = GC.AllocateUninitializedArray<byte>(checked(maxBlocks * k * symbolSize));
        Datagrams = GC.AllocateUninitializedArray<byte>(checked(maxPackets * datagramSize));
        DatagramSize = datagramSize;
        Order = new List<SymbolRef>(maxPackets);
    }

    /// <summary>Data symbols of the window's blocks, block after block, k symbols per block.</summary>
    public byte[] Data { get; }

    public byte[] Datagrams { get; }

    public int DatagramSize { get; }

    /// <summary>What each datagram carries, in send order.</summary>
    public List<SymbolRef> Order { get; }

    public int Pass { get; set; }

    public int Count => Order.Count;

    public ReadOnlySpan<byte> Datagram(int index) => Datagrams.AsSpan(index * DatagramSize, DatagramSize);
}

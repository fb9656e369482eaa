namespace Sync.Transport.Udp.Internal;

/// <summary>
/// One window's worth of ready-to-send datagrams, in send order. A sender keeps two or three of these and cycles them
/// between the producer thread (fills) and the send thread (drains), so the hot path never allocates. Owned by
/// exactly one of the two at any time. The data symbols live only in their datagrams (the encoder reads each block
/// once, into its own buffer), so a window costs what it sends and no more.
/// </summary>
internal sealed class SendWindow
{
    public SendWindow(int maxPackets, int datagramSize)
    {
        Datagrams = GC.AllocateUninitializedArray<byte>(checked(maxPackets * datagramSize));
        DatagramSize = datagramSize;
        Order = new List<SymbolRef>(maxPackets);
    }

    public byte[] Datagrams { get; }

    /// <summary>Datagrams it can hold.</summary>
    public int Capacity => Datagrams.Length / DatagramSize;

    public int DatagramSize { get; }

    /// <summary>What each datagram carries, in send order.</summary>
    public List<SymbolRef> Order { get; }

    public int Pass { get; set; }

    public int Count => Order.Count;

    public ReadOnlySpan<byte> Datagram(int index) => Datagrams.AsSpan(index * DatagramSize, DatagramSize);
}

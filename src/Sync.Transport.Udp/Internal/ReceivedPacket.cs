namespace Sync.Transport.Udp.Internal;

/// <summary>
/// A validated datagram on its way from the receive thread to the decode loop. <see cref="Buffer"/> is rented from
/// the shared array pool; the decode loop returns it. A null buffer is a tick: time to checkpoint.
/// </summary>
internal readonly record struct ReceivedPacket(PacketHeader Header, byte[]? Buffer, int Length)
{
    public static readonly ReceivedPacket Tick = new(default, null, 0);

    public ReadOnlySpan<byte> Payload => Buffer.AsSpan(PacketCodec.HeaderSize, Header.PayloadLength);
}

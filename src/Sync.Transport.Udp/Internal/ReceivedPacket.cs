namespace Sync.Transport.Udp.Internal;

/// <summary>
/// A validated datagram inside a <see cref="ReceivedBatch"/>: its header and where its bytes lie in the batch's buffer.
/// Valid only until the batch is released.
/// </summary>
internal readonly record struct ReceivedPacket(PacketHeader Header, byte[] Buffer, int Offset, int Length)
{
    public ReadOnlySpan<byte> Payload => Buffer.AsSpan(Offset + PacketCodec.HeaderSize, Header.PayloadLength);
}

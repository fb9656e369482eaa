namespace Sync.Transport.Udp.Internal;

/// <summary>The two datagram kinds (the same in wire versions 1 and 2).</summary>
internal enum PacketType : byte
{
    Announce = 1,
    Symbol = 2,
}

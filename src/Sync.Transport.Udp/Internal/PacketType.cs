namespace Sync.Transport.Udp.Internal;

/// <summary>The two datagram kinds of wire version 1.</summary>
internal enum PacketType : byte
{
    Announce = 1,
    Symbol = 2,
}

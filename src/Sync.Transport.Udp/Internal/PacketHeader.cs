namespace Sync.Transport.Udp.Internal;

/// <summary>
/// The fixed 32-byte header every datagram starts with (layout in docs/udp-carrier.md). For announces
/// <see cref="Sequence"/>, <see cref="Block"/> and <see cref="Symbol"/> carry no meaning and are zero.
/// </summary>
internal readonly record struct PacketHeader(
    PacketType Type,
    byte Pass,
    ulong SessionId,
    ulong Sequence,
    uint Block,
    ushort Symbol,
    ushort PayloadLength);

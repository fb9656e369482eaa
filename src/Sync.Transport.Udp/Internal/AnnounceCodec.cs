using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// The announce payload of wire version 2: a 16-byte fragment header, then one piece of the sealed session ticket
/// (<see cref="TicketCodec"/>), zero-padded to the symbol size. A ticket longer than one payload is split across
/// several announces, all sent together each interval. Nothing in an announce is trusted: the fragment header only
/// says how to put the pieces together, and the ticket is verified whole before any of it is used.
/// </summary>
internal static class AnnounceCodec
{
    public const int FragmentHeaderSize = 16;

    /// <summary>Most pieces a sealed ticket may come in; a receiver tracks them in one 64-bit mask.</summary>
    public const int MaxFragments = 64;

    /// <summary>Builds one complete, sealed announce datagram per piece of <paramref name="sealedTicket"/>, each as long as a symbol datagram.</summary>
    public static byte[][] BuildDatagrams(ulong sessionId, byte[] sealedTicket, int sealLength, int pass, int symbolSize, byte[]? macKey)
    {
        int room = symbolSize - FragmentHeaderSize;
        int fragments = room < 1 ? int.MaxValue : (sealedTicket.Length + room - 1) / room;
        if (fragments > MaxFragments || sealedTicket.Length > TicketCodec.MaxSealedBytes)
        {
            throw new ArgumentException($"a {sealedTicket.Length}-byte session ticket does not fit {MaxFragments} announces of {symbolSize} bytes: raise the MTU or shorten the descriptor");
        }

        ulong ticketId = TicketId(sealedTicket);
        var datagrams = new byte[fragments][];
        for (int f = 0; f < fragments; f++)
        {
            var datagram = new byte[PacketCodec.DatagramSize(symbolSize, macKey is not null)];
            PacketCodec.WriteHeader(datagram, new PacketHeader(PacketType.Announce, (byte)pass, sessionId, 0, 0, 0, (ushort)symbolSize), macKey is not null);
            Span<byte> p = datagram.AsSpan(PacketCodec.HeaderSize, symbolSize);
            BinaryPrimitives.WriteUInt16LittleEndian(p, (ushort)sealedTicket.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(p[2..], (ushort)sealLength);
            BinaryPrimitives.WriteUInt16LittleEndian(p[4..], (ushort)f);
            BinaryPrimitives.WriteUInt16LittleEndian(p[6..], (ushort)fragments);
            BinaryPrimitives.WriteUInt64LittleEndian(p[8..], ticketId);
            int start = f * room;
            sealedTicket.AsSpan(start, Math.Min(room, sealedTicket.Length - start)).CopyTo(p[FragmentHeaderSize..]);
            PacketCodec.Seal(datagram, macKey);
            datagrams[f] = datagram;
        }

        return datagrams;
    }

    /// <summary>Parses the fragment header; false when it is inconsistent with itself or with the payload's size.</summary>
    public static bool TryParse(ReadOnlySpan<byte> payload, out AnnounceFragment fragment)
    {
        fragment = default;
        if (payload.Length <= FragmentHeaderSize)
        {
            return false;
        }

        int sealedLength = BinaryPrimitives.ReadUInt16LittleEndian(payload);
        int sealLength = BinaryPrimitives.ReadUInt16LittleEndian(payload[2..]);
        int index = BinaryPrimitives.ReadUInt16LittleEndian(payload[4..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(payload[6..]);
        int room = payload.Length - FragmentHeaderSize;
        if (sealedLength is < TicketCodec.FixedSize + 1 or > TicketCodec.MaxSealedBytes || sealLength is < 1 or > TicketCodec.MaxSealBytes ||
            sealLength > sealedLength - TicketCodec.FixedSize || count is < 1 or > MaxFragments || count != (sealedLength + room - 1) / room || index >= count)
        {
            return false;
        }

        int start = index * room;
        fragment = new AnnounceFragment(sealedLength, sealLength, index, count, BinaryPrimitives.ReadUInt64LittleEndian(payload[8..]),
            start, FragmentHeaderSize, Math.Min(room, sealedLength - start));
        return true;
    }

    /// <summary>The first 8 bytes of the SHA-256 of a sealed ticket: what its announces carry to keep tickets apart.</summary>
    public static ulong TicketId(ReadOnlySpan<byte> sealedTicket)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(sealedTicket, digest);
        return BinaryPrimitives.ReadUInt64LittleEndian(digest);
    }
}

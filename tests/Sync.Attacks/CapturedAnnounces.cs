using System.Buffers.Binary;
using Sync.Transport.Udp.Internal;

namespace Sync.Attacks;

/// <summary>
/// Announce datagrams caught off the diode's segment, kept in a file as length-prefixed records, and taken apart
/// into what a forger alters: the session id, the symbol size and the sealed ticket (in one piece at the default MTU).
/// </summary>
internal sealed record CapturedAnnounces(IReadOnlyList<byte[]> Datagrams)
{
    public static void Save(string path, IReadOnlyList<byte[]> datagrams)
    {
        using var file = File.Create(path);
        Span<byte> length = stackalloc byte[4];
        foreach (var datagram in datagrams)
        {
            BinaryPrimitives.WriteInt32LittleEndian(length, datagram.Length);
            file.Write(length);
            file.Write(datagram);
        }
    }

    public static CapturedAnnounces Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var datagrams = new List<byte[]>();
        for (var offset = 0; offset + 4 <= bytes.Length;)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset));
            datagrams.Add(bytes.AsSpan(offset + 4, length).ToArray());
            offset += 4 + length;
        }

        return datagrams.Count > 0 ? new CapturedAnnounces(datagrams) : throw new InvalidOperationException($"{path} holds no announce");
    }

    /// <summary>The first captured announce: its header, sealed ticket and seal length.</summary>
    public (PacketHeader Header, byte[] SealedTicket, int SealLength) Open()
    {
        var datagram = Datagrams[0];
        if (PacketCodec.TryOpen(datagram, null, out var header) != PacketStatus.Ok ||
            !AnnounceCodec.TryParse(datagram.AsSpan(PacketCodec.HeaderSize, header.PayloadLength), out var fragment) || fragment.Count != 1)
        {
            throw new InvalidOperationException("the captured announce is not one whole unkeyed announce of wire version 2");
        }

        var sealedTicket = datagram.AsSpan(PacketCodec.HeaderSize + fragment.Offset, fragment.Length).ToArray();
        return (header, sealedTicket, fragment.SealLength);
    }
}

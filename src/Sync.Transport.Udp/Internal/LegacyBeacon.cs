using System.Buffers.Binary;
using System.Text;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? A courtesy to receivers of wire version 1, which count version-2 packets as "foreign" and say
/// nothing else. Each announce round also carries one version-1 announce of an empty object under
/// <see cref="SessionId"/>, whose descriptor is a sentence a version-1 sync-inside refuses by name ("not one
/// sync-outside writes ... another format version"), once, in its log and its status. Receivers of version 2 and
/// later recognise the beacon and ignore it uncounted. It carries nothing a receiver could act on: the object is
/// empty and no version-1 receiver applies a descriptor it does not know.
/// </summary>
internal static class LegacyBeacon
{
    public const byte WireVersion = 1;

    /// <summary>"SYDP-V2" and a zero: the beacon's session id, the same from every sender.</summary>
    public const ulong SessionId = 0x0032_562D_5044_5953;

    private const int FixedSize = 60;

    private static ReadOnlySpan<byte> Text => "SYNCUDP\u0002 sync-outside sends UDP wire version 2: upgrade this sync-inside"u8;

    /// <summary>The beacon for announces of <paramref name="symbolSize"/> bytes, sealed like every other packet.</summary>
    public static byte[] Build(int symbolSize, byte[]? macKey)
    {
        ReadOnlySpan<byte> text = Text[..Math.Min(Text.Length, symbolSize - FixedSize)];
        var datagram = new byte[PacketCodec.DatagramSize(symbolSize, macKey is not null)];
        PacketCodec.WriteHeader(datagram, new PacketHeader(PacketType.Announce, 1, SessionId, 0, 0, 0, (ushort)symbolSize), macKey is not null);
        datagram[4] = WireVersion;
        Span<byte> p = datagram.AsSpan(PacketCodec.HeaderSize, symbolSize);
        // Version 1's fixed fields for an empty object: length 0, SHA-256 zero, k 1, the symbol size, no blocks,
        // one pass, the descriptor's length, fragment 0 of 1, no repair.
        BinaryPrimitives.WriteUInt16LittleEndian(p[40..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(p[42..], (ushort)symbolSize);
        BinaryPrimitives.WriteUInt16LittleEndian(p[48..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(p[50..], (ushort)text.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(p[54..], 1);
        text.CopyTo(p[FixedSize..]);
        PacketCodec.Seal(datagram, macKey);
        return datagram;
    }

    /// <summary>Whether a datagram of another wire version is a beacon (checked only on that rare path).</summary>
    public static bool Is(ReadOnlySpan<byte> datagram) =>
        datagram.Length >= PacketCodec.HeaderSize && datagram[4] == WireVersion && datagram[5] == (byte)PacketType.Announce &&
        BinaryPrimitives.ReadUInt64LittleEndian(datagram[8..]) == SessionId;

    /// <summary>The sentence a version-1 receiver logs and refuses.</summary>
    public static string Sentence => Encoding.ASCII.GetString(Text[8..]);
}

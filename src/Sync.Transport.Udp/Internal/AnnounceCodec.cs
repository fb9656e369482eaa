using System.Buffers.Binary;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// The announce payload: fixed fields, then one fragment of the descriptor. A descriptor longer than one payload is
/// split across several announces (all sent together each interval); each fragment repeats the fixed fields so any
/// one of them lets a receiver check it belongs to the same object.
/// </summary>
internal static class AnnounceCodec
{
    public const int FixedSize = 60;
    public const int MaxDescriptorBytes = 16 << 10;

    /// <summary>Largest object a receiver accepts (1 TiB): bounds the per-block state it allocates for an announce.</summary>
    public const long MaxObjectBytes = 1L << 40;

    /// <summary>Builds one complete, sealed announce datagram per descriptor fragment, each as long as a symbol datagram.</summary>
    public static byte[][] BuildDatagrams(AnnounceInfo info, int symbolSize, byte[]? macKey)
    {
        int room = symbolSize - FixedSize;
        if (room < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(symbolSize), symbolSize, "symbol too small for an announce");
        }

        int fragments = Math.Max(1, (info.Descriptor.Length + room - 1) / room);
        var datagrams = new byte[fragments][];
        for (int f = 0; f < fragments; f++)
        {
            var datagram = new byte[PacketCodec.DatagramSize(symbolSize, macKey is not null)];
            PacketCodec.WriteHeader(datagram, new PacketHeader(PacketType.Announce, (byte)info.Pass, info.SessionId, 0, 0, 0, (ushort)symbolSize), macKey is not null);
            Span<byte> p = datagram.AsSpan(PacketCodec.HeaderSize, symbolSize);
            BinaryPrimitives.WriteInt64LittleEndian(p, info.ObjectLength);
            info.Sha256.CopyTo(p[8..40]);
            BinaryPrimitives.WriteUInt16LittleEndian(p[40..], (ushort)info.K);
            BinaryPrimitives.WriteUInt16LittleEndian(p[42..], (ushort)info.SymbolSize);
            BinaryPrimitives.WriteUInt32LittleEndian(p[44..], (uint)info.BlockCount);
            BinaryPrimitives.WriteUInt16LittleEndian(p[48..], (ushort)info.Passes);
            BinaryPrimitives.WriteUInt16LittleEndian(p[50..], (ushort)info.Descriptor.Length);
            BinaryPrimitives.WriteUInt16LittleEndian(p[52..], (ushort)f);
            BinaryPrimitives.WriteUInt16LittleEndian(p[54..], (ushort)fragments);
            BinaryPrimitives.WriteUInt16LittleEndian(p[56..], (ushort)info.RepairPerPass);
            BinaryPrimitives.WriteUInt16LittleEndian(p[58..], 0);
            int start = f * room;
            int length = Math.Min(room, info.Descriptor.Length - start);
            info.Descriptor.AsSpan(start, Math.Max(0, length)).CopyTo(p[FixedSize..]);
            PacketCodec.Seal(datagram, macKey);
            datagrams[f] = datagram;
        }

        return datagrams;
    }

    /// <summary>Parses the fixed fields and this packet's descriptor fragment; false when they are inconsistent.</summary>
    public static bool TryParse(in PacketHeader header, ReadOnlySpan<byte> payload, out AnnounceFragment fragment)
    {
        fragment = default!;
        if (payload.Length < FixedSize + 1)
        {
            return false;
        }

        long length = BinaryPrimitives.ReadInt64LittleEndian(payload);
        int k = BinaryPrimitives.ReadUInt16LittleEndian(payload[40..]);
        int symbolSize = BinaryPrimitives.ReadUInt16LittleEndian(payload[42..]);
        long blocks = BinaryPrimitives.ReadUInt32LittleEndian(payload[44..]);
        int passes = BinaryPrimitives.ReadUInt16LittleEndian(payload[48..]);
        int descriptorLength = BinaryPrimitives.ReadUInt16LittleEndian(payload[50..]);
        int index = BinaryPrimitives.ReadUInt16LittleEndian(payload[52..]);
        int count = BinaryPrimitives.ReadUInt16LittleEndian(payload[54..]);
        int repairPerPass = BinaryPrimitives.ReadUInt16LittleEndian(payload[56..]);
        int room = payload.Length - FixedSize;
        if (length < 0 || length > MaxObjectBytes || k < 1 || k >= ObjectLayout.SymbolSpace || k + repairPerPass > ObjectLayout.SymbolSpace || symbolSize != payload.Length || descriptorLength > MaxDescriptorBytes ||
            count != Math.Max(1, (descriptorLength + room - 1) / room) || index >= count)
        {
            return false;
        }

        ObjectLayout layout;
        try
        {
            layout = new ObjectLayout(length, symbolSize, k);
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }

        if (layout.BlockCount != blocks)
        {
            return false;
        }

        int start = index * room;
        int fragmentLength = Math.Max(0, Math.Min(room, descriptorLength - start));
        var info = new AnnounceInfo(header.SessionId, length, payload[8..40].ToArray(), k, symbolSize, blocks, passes, repairPerPass, header.Pass, []);
        fragment = new AnnounceFragment(info, descriptorLength, index, count, payload.Slice(FixedSize, fragmentLength).ToArray());
        return true;
    }
}

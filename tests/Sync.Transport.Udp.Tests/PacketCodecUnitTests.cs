using System.Buffers.Binary;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

public sealed class PacketCodecUnitTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private static byte[] Build(byte[]? key, int payloadLength = 100)
    {
        var datagram = new byte[PacketCodec.DatagramSize(payloadLength, key is not null)];
        PacketCodec.WriteHeader(datagram, new PacketHeader(PacketType.Symbol, 3, 0x1122334455667788, 42, 7, 130, (ushort)payloadLength), key is not null);
        for (int i = 0; i < payloadLength; i++)
        {
            datagram[PacketCodec.HeaderSize + i] = (byte)(i * 7);
        }

        PacketCodec.Seal(datagram, key);
        return datagram;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Round_trips_every_header_field(bool mac)
    {
        byte[]? key = mac ? Key : null;
        byte[] datagram = Build(key);

        Assert.Equal(PacketStatus.Ok, PacketCodec.TryOpen(datagram, key, out PacketHeader header));
        Assert.Equal(new PacketHeader(PacketType.Symbol, 3, 0x1122334455667788, 42, 7, 130, 100), header);
        Assert.Equal(PacketCodec.HeaderSize + 100 + (mac ? 20 : 4), datagram.Length);
    }

    [Fact]
    public void Refuses_bad_magic_as_garbage()
    {
        byte[] datagram = Build(null);
        datagram[0] ^= 1;
        Assert.Equal(PacketStatus.Garbage, PacketCodec.TryOpen(datagram, null, out _));
    }

    [Fact]
    public void Refuses_other_version_as_foreign()
    {
        byte[] datagram = Build(null);
        datagram[4] = 1;
        Assert.Equal(PacketStatus.Foreign, PacketCodec.TryOpen(datagram, null, out _));
    }

    [Fact]
    public void Refuses_any_flipped_bit_by_checksum()
    {
        byte[] original = Build(null);
        for (int at = 5; at < original.Length; at++)
        {
            if (at is 6 or 30 or 31)
            {
                continue; // flags and payload length fail earlier, as garbage or truncation
            }

            byte[] datagram = (byte[])original.Clone();
            datagram[at] ^= 0x10;
            Assert.Equal(PacketStatus.Garbage, PacketCodec.TryOpen(datagram, null, out _));
        }
    }

    [Fact]
    public void Refuses_short_datagrams_as_truncated()
    {
        byte[] datagram = Build(null);
        for (int length = 5; length < datagram.Length; length += 7)
        {
            Assert.Equal(PacketStatus.Truncated, PacketCodec.TryOpen(datagram.AsSpan(0, length), null, out _));
        }

        Assert.Equal(PacketStatus.Garbage, PacketCodec.TryOpen(datagram.AsSpan(0, 3), null, out _));
    }

    [Fact]
    public void Refuses_wrong_missing_or_unexpected_mac()
    {
        byte[] signed = Build(Key);
        byte[] otherKey = [.. Key.Select(b => (byte)(b ^ 0x55))];
        Assert.Equal(PacketStatus.BadMac, PacketCodec.TryOpen(signed, otherKey, out _));
        Assert.Equal(PacketStatus.BadMac, PacketCodec.TryOpen(signed, null, out _));
        Assert.Equal(PacketStatus.BadMac, PacketCodec.TryOpen(Build(null), Key, out _));
    }

    [Fact]
    public void A_forged_packet_with_a_fixed_checksum_still_fails_the_mac()
    {
        byte[] datagram = Build(Key);
        datagram[PacketCodec.HeaderSize] ^= 0xFF;
        int checksumAt = datagram.Length - 4;
        BinaryPrimitives.WriteUInt32LittleEndian(datagram.AsSpan(checksumAt), (uint)System.IO.Hashing.XxHash3.HashToUInt64(datagram.AsSpan(0, checksumAt)));
        Assert.Equal(PacketStatus.BadMac, PacketCodec.TryOpen(datagram, Key, out _));
    }
}

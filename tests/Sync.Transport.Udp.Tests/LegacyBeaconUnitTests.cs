using System.Buffers.Binary;
using System.IO.Hashing;
using System.Security.Cryptography;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

/// <summary>
/// The beacon a sender of wire version 2 adds for receivers of version 1: it must pass every check a version-1
/// receiver makes (re-stated here from that version's PacketCodec and AnnounceCodec) and reach its descriptor check,
/// which names a foreign format; and a receiver of version 2 must not count it as foreign.
/// </summary>
public sealed class LegacyBeaconUnitTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    /// <summary>Wire version 1's datagram checks, in its order; the payload when they pass.</summary>
    private static byte[]? OpenAsVersion1(byte[] datagram, byte[]? macKey)
    {
        if (datagram.Length < 36 || BinaryPrimitives.ReadUInt32LittleEndian(datagram) != 0x50445953 || datagram[4] != 1)
        {
            return null;
        }

        bool hasMac = (datagram[6] & 1) != 0;
        int payloadLength = BinaryPrimitives.ReadUInt16LittleEndian(datagram.AsSpan(30));
        int expected = 32 + payloadLength + (hasMac ? 20 : 4);
        if ((datagram[6] & ~1) != 0 || datagram[5] is not (1 or 2) || datagram.Length != expected || hasMac != (macKey is not null))
        {
            return null;
        }

        int checksumAt = expected - 4;
        if (BinaryPrimitives.ReadUInt32LittleEndian(datagram.AsSpan(checksumAt)) != (uint)XxHash3.HashToUInt64(datagram.AsSpan(0, checksumAt)))
        {
            return null;
        }

        if (macKey is not null && !HMACSHA256.HashData(macKey, datagram.AsSpan(0, checksumAt - 16))[..16].AsSpan().SequenceEqual(datagram.AsSpan(checksumAt - 16, 16)))
        {
            return null;
        }

        return datagram.AsSpan(32, payloadLength).ToArray();
    }

    /// <summary>Wire version 1's announce checks; the descriptor of a one-fragment announce when they pass.</summary>
    private static byte[]? ParseVersion1Announce(byte[] payload)
    {
        if (payload.Length < 61)
        {
            return null;
        }

        long length = BinaryPrimitives.ReadInt64LittleEndian(payload);
        int k = BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(40));
        int symbolSize = BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(42));
        long blocks = BinaryPrimitives.ReadUInt32LittleEndian(payload.AsSpan(44));
        int descriptorLength = BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(50));
        int index = BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(52));
        int count = BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(54));
        int repair = BinaryPrimitives.ReadUInt16LittleEndian(payload.AsSpan(56));
        int room = payload.Length - 60;
        bool ok = length is >= 0 and <= 1L << 40 && k is >= 1 and < 256 && k + repair <= 256 && symbolSize == payload.Length && descriptorLength <= 16 << 10 &&
            count == Math.Max(1, (descriptorLength + room - 1) / room) && index < count && blocks == new ObjectLayout(length, symbolSize, k).BlockCount;
        return ok && count == 1 ? payload.AsSpan(60, descriptorLength).ToArray() : null;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_version_1_receiver_takes_the_beacon_for_an_empty_object_whose_descriptor_names_another_format(bool mac)
    {
        byte[]? key = mac ? Key : null;
        byte[] beacon = LegacyBeacon.Build(1436, key);

        byte[]? payload = OpenAsVersion1(beacon, key);
        Assert.NotNull(payload);
        Assert.Equal(1, beacon[5]); // an announce
        Assert.Equal(0, BinaryPrimitives.ReadInt64LittleEndian(payload)); // of an empty object: nothing to allocate
        byte[]? descriptor = ParseVersion1Announce(payload);
        Assert.NotNull(descriptor);
        Assert.False(descriptor.AsSpan().StartsWith("SYNCUDP\u0001"u8), "a version-1 sync-inside would not refuse it");
        Assert.Contains("upgrade this sync-inside", System.Text.Encoding.ASCII.GetString(descriptor));
    }

    [Fact]
    public void A_version_2_receiver_recognises_the_beacon_and_nothing_else_as_one()
    {
        Assert.Equal(PacketStatus.Foreign, PacketCodec.TryOpen(LegacyBeacon.Build(1436, null), null, out _));
        Assert.True(LegacyBeacon.Is(LegacyBeacon.Build(1436, null)));

        var symbol = new byte[PacketCodec.DatagramSize(100, mac: false)];
        PacketCodec.WriteHeader(symbol, new PacketHeader(PacketType.Announce, 1, 77, 0, 0, 0, 100), mac: false);
        symbol[4] = 1;
        Assert.False(LegacyBeacon.Is(symbol));
    }
}

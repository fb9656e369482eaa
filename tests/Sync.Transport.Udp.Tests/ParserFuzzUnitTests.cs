using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

/// <summary>Random and mutated input never makes the parsers throw, and nothing unauthenticated gets through a keyed check.</summary>
public sealed class ParserFuzzUnitTests
{
    [Fact]
    public void Random_datagrams_are_refused_without_exceptions()
    {
        var random = new Random(11);
        byte[] key = new byte[32];
        for (int i = 0; i < 20_000; i++)
        {
            var datagram = new byte[random.Next(0, 1600)];
            random.NextBytes(datagram);
            if (datagram.Length >= 5 && random.Next(2) == 0)
            {
                // Give half of them our magic and version so the later checks are reached too.
                BitConverter.TryWriteBytes(datagram, PacketCodec.Magic);
                datagram[4] = PacketCodec.Version;
            }

            Assert.NotEqual(PacketStatus.Ok, PacketCodec.TryOpen(datagram, i % 2 == 0 ? key : null, out _));
        }
    }

    [Fact]
    public void Mutated_announces_parse_or_are_refused_without_exceptions()
    {
        var random = new Random(12);
        var info = new AnnounceInfo(5, 123_456_789, new byte[32], 100, 700, new ObjectLayout(123_456_789, 700, 100).BlockCount, 2, 20, 1, new byte[900]);
        byte[] original = AnnounceCodec.BuildDatagrams(info, 700, null)[0];
        for (int i = 0; i < 20_000; i++)
        {
            byte[] datagram = (byte[])original.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                datagram[random.Next(PacketCodec.HeaderSize, PacketCodec.HeaderSize + 64)] = (byte)random.Next(256);
            }

            PacketCodec.Seal(datagram, null);
            Assert.Equal(PacketStatus.Ok, PacketCodec.TryOpen(datagram, null, out PacketHeader header));
            if (AnnounceCodec.TryParse(header, datagram.AsSpan(PacketCodec.HeaderSize, header.PayloadLength), out AnnounceFragment fragment))
            {
                Assert.Equal(fragment.Info.BlockCount, fragment.Info.Layout().BlockCount);
                Assert.InRange(fragment.Info.ObjectLength, 0, AnnounceCodec.MaxObjectBytes);
                Assert.InRange(fragment.Index, 0, fragment.Count - 1);
            }
        }
    }
}

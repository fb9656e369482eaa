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
    public void Random_announce_payloads_and_tickets_are_refused_without_exceptions()
    {
        var random = new Random(13);
        for (int i = 0; i < 50_000; i++)
        {
            var payload = new byte[random.Next(0, 1500)];
            random.NextBytes(payload);
            if (AnnounceCodec.TryParse(payload, out AnnounceFragment fragment))
            {
                Assert.InRange(fragment.Index, 0, fragment.Count - 1);
                Assert.InRange(fragment.Offset + fragment.Length, fragment.Offset, payload.Length);
            }

            // Our magic in front half of the time, so the field checks are reached.
            if (payload.Length > TicketCodec.FixedSize && random.Next(2) == 0)
            {
                TicketCodec.Magic.CopyTo(payload);
            }

            Assert.NotNull(TicketCodec.TryParse(payload, random.Next(-5, 600), (ulong)random.NextInt64(), random.Next(0, 2000), out _));
        }
    }

    [Fact]
    public void Mutated_tickets_parse_within_bounds_or_are_refused_without_exceptions()
    {
        var random = new Random(12);
        var info = new AnnounceInfo(5, 123_456_789, new byte[32], 100, 700, new ObjectLayout(123_456_789, 700, 100).BlockCount, 2, 20, new byte[900]);
        byte[] original = TicketCodec.Seal(info, TestTickets.Signer, out int sealLength);
        int parsed = 0;
        for (int i = 0; i < 50_000; i++)
        {
            byte[] sealedTicket = (byte[])original.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                sealedTicket[random.Next(16, TicketCodec.FixedSize)] = (byte)random.Next(256);
            }

            if (TicketCodec.TryParse(sealedTicket, sealLength, 5, 700, out AnnounceInfo parsedInfo) is null)
            {
                parsed++;
                Assert.Equal(parsedInfo.BlockCount, parsedInfo.Layout().BlockCount);
                Assert.InRange(parsedInfo.ObjectLength, 0, TicketCodec.MaxObjectBytes);
                Assert.InRange(parsedInfo.BlockCount, 0, TicketCodec.MaxBlocks);
                Assert.InRange(ReceiveSession.StateBytes(parsedInfo), 0, long.MaxValue);

                // Well-formed is not trusted: any change to the signed bytes fails the seal.
                if (!sealedTicket.AsSpan().SequenceEqual(original))
                {
                    Assert.NotNull(TestTickets.Verifier(TicketCodec.Ticket(sealedTicket, sealLength), TicketCodec.SealOf(sealedTicket, sealLength)));
                }
            }
        }

        Assert.True(parsed > 100, $"only {parsed} mutations parsed: the test no longer reaches the bounds checks");
    }
}

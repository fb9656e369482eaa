using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

/// <summary>Announces of wire version 2: a sealed ticket cut into pieces and put together again in a bounded holding area.</summary>
public sealed class AnnounceCodecUnitTests
{
    private static readonly byte[] Key = [.. Enumerable.Range(1, 32).Select(i => (byte)i)];

    private static byte[] SealedTicket(int descriptorBytes, out int sealLength)
    {
        var info = new AnnounceInfo(99, 10_000_000, new byte[32], 128, 500, new ObjectLayout(10_000_000, 500, 128).BlockCount, 3, 32,
            [.. Enumerable.Range(0, descriptorBytes).Select(i => (byte)(i * 13))]);
        return TicketCodec.Seal(info, TestTickets.Signer, out sealLength);
    }

    private static (PacketHeader Header, AnnounceFragment Fragment, byte[] Piece) Open(byte[] datagram)
    {
        Assert.Equal(PacketStatus.Ok, PacketCodec.TryOpen(datagram, Key, out PacketHeader header));
        ReadOnlySpan<byte> payload = datagram.AsSpan(PacketCodec.HeaderSize, header.PayloadLength);
        Assert.True(AnnounceCodec.TryParse(payload, out AnnounceFragment fragment));
        return (header, fragment, payload.Slice(fragment.Offset, fragment.Length).ToArray());
    }

    [Fact]
    public void A_ticket_split_over_announces_is_put_together_again_in_any_order()
    {
        byte[] sealedTicket = SealedTicket(3000, out int sealLength);
        byte[][] datagrams = AnnounceCodec.BuildDatagrams(99, sealedTicket, sealLength, 2, 500, Key);
        Assert.True(datagrams.Length > 1);

        var holding = new AnnounceHoldingArea(64, 1 << 20, 1000);
        byte[]? whole = null;
        foreach (byte[] datagram in datagrams.Reverse())
        {
            var (header, fragment, piece) = Open(datagram);
            Assert.Equal((PacketType.Announce, 2, 99UL), (header.Type, (int)header.Pass, header.SessionId));
            Assert.Equal(AnnounceCodec.TicketId(sealedTicket), fragment.TicketId);
            Assert.Null(whole);
            whole = holding.Add(header.SessionId, fragment, piece, 0);
        }

        Assert.Equal(sealedTicket, whole);
        Assert.Equal((0, 0L), (holding.Count, holding.Bytes));
    }

    [Fact]
    public void A_short_ticket_fits_one_announce()
    {
        byte[] sealedTicket = SealedTicket(300, out int sealLength);
        byte[][] datagrams = AnnounceCodec.BuildDatagrams(99, sealedTicket, sealLength, 1, 1436, null);
        Assert.Single(datagrams);
        Assert.Equal(PacketStatus.Ok, PacketCodec.TryOpen(datagrams[0], null, out PacketHeader header));
        Assert.True(AnnounceCodec.TryParse(datagrams[0].AsSpan(PacketCodec.HeaderSize, header.PayloadLength), out AnnounceFragment fragment));
        Assert.Equal((1, sealedTicket.Length, sealLength), (fragment.Count, fragment.Length, fragment.SealLength));
    }

    [Fact]
    public void Forged_pieces_cannot_grow_the_holding_area_and_a_real_ticket_still_completes_between_them()
    {
        byte[] sealedTicket = SealedTicket(3000, out int sealLength);
        byte[][] real = AnnounceCodec.BuildDatagrams(99, sealedTicket, sealLength, 1, 500, null);
        var holding = new AnnounceHoldingArea(64, 256 << 10, 1000);
        var random = new Random(1);
        for (int i = 0; i < 10_000; i++)
        {
            // First pieces of tickets that never complete, under ids and lengths of the forger's choice.
            var fragment = new AnnounceFragment(random.Next(400, TicketCodec.MaxSealedBytes), 64, 0, 40, (ulong)random.NextInt64(), 0, 16, 400);
            Assert.Null(holding.Add((ulong)random.NextInt64(), fragment, new byte[400], i / 100));
            Assert.InRange(holding.Count, 1, 64);
            Assert.InRange(holding.Bytes, 1, 256 << 10);
        }

        byte[]? whole = null;
        foreach (byte[] datagram in real)
        {
            Assert.Equal(PacketStatus.Ok, PacketCodec.TryOpen(datagram, null, out PacketHeader header));
            ReadOnlySpan<byte> payload = datagram.AsSpan(PacketCodec.HeaderSize, header.PayloadLength);
            Assert.True(AnnounceCodec.TryParse(payload, out AnnounceFragment fragment));
            whole = holding.Add(99, fragment, payload.Slice(fragment.Offset, fragment.Length), 100);
        }

        Assert.Equal(sealedTicket, whole);
    }

    [Fact]
    public void Pieces_that_never_complete_expire()
    {
        byte[] sealedTicket = SealedTicket(3000, out int sealLength);
        var (header, fragment, piece) = Open(AnnounceCodec.BuildDatagrams(99, sealedTicket, sealLength, 1, 500, Key)[0]);
        var holding = new AnnounceHoldingArea(64, 1 << 20, maxAgeTicks: 10);
        Assert.Null(holding.Add(header.SessionId, fragment, piece, now: 0));
        holding.Expire(now: 10);
        Assert.Equal(1, holding.Count);
        holding.Expire(now: 11);
        Assert.Equal((0, 0L), (holding.Count, holding.Bytes));
    }

    [Fact]
    public void Fragment_headers_that_contradict_themselves_are_refused()
    {
        byte[] sealedTicket = SealedTicket(300, out int sealLength);
        byte[] datagram = AnnounceCodec.BuildDatagrams(99, sealedTicket, sealLength, 1, 500, null)[0];
        Assert.Equal(PacketStatus.Ok, PacketCodec.TryOpen(datagram, null, out PacketHeader header));
        byte[] payload = datagram.AsSpan(PacketCodec.HeaderSize, header.PayloadLength).ToArray();
        Assert.True(AnnounceCodec.TryParse(payload, out _));

        foreach ((int at, ushort value) in new (int, ushort)[] { (0, 10), (0, 60000), (2, 0), (2, 600), (4, 5), (6, 0), (6, 65), (6, 3) })
        {
            byte[] changed = (byte[])payload.Clone();
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(changed.AsSpan(at), value);
            Assert.False(AnnounceCodec.TryParse(changed, out _), $"field at {at} = {value} was accepted");
        }
    }
}

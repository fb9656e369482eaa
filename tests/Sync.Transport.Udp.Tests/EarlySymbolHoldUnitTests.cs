using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

public sealed class EarlySymbolHoldUnitTests
{
    private const int PayloadLength = 100;

    private static ReceivedPacket Packet(ulong session, uint sequence)
    {
        var datagram = new byte[PacketCodec.DatagramSize(PayloadLength, mac: false)];
        var header = new PacketHeader(PacketType.Symbol, 1, session, sequence, 0, 0, PayloadLength);
        PacketCodec.WriteHeader(datagram, header, mac: false);
        datagram.AsSpan(PacketCodec.HeaderSize, PayloadLength).Fill((byte)sequence);
        return new ReceivedPacket(header, datagram, 0, datagram.Length);
    }

    private static List<(ulong Session, long Sequence, byte Fill)> ReleaseAll(EarlySymbolHold hold, ulong session)
    {
        var seen = new List<(ulong, long, byte)>();
        hold.Release(session, seen, (list, packet) =>
        {
            list.Add((packet.Header.SessionId, (long)packet.Header.Sequence, packet.Payload[0]));
            return true;
        });
        return seen;
    }

    [Fact]
    public void Symbols_come_back_oldest_first_as_copies_and_other_sessions_stay_held()
    {
        var hold = new EarlySymbolHold(1 << 20, 1000);
        ReceivedPacket first = Packet(7, 1);
        Assert.Equal(0, hold.Hold(first, 0));
        first.Buffer.AsSpan().Clear(); // the batch buffer is reused after the decode loop returns
        Assert.Equal(0, hold.Hold(Packet(8, 2), 1));
        Assert.Equal(0, hold.Hold(Packet(7, 3), 2));

        Assert.Equal([(7UL, 1L, (byte)1), (7UL, 3L, (byte)3)], ReleaseAll(hold, 7));
        Assert.Equal(1, hold.Count);
        Assert.Empty(ReleaseAll(hold, 7));
        Assert.Equal([(8UL, 2L, (byte)2)], ReleaseAll(hold, 8));
        Assert.Equal(0, hold.Bytes);
    }

    [Fact]
    public void The_byte_budget_pushes_out_the_oldest_and_counts_them()
    {
        int size = Packet(1, 0).Length;
        var hold = new EarlySymbolHold(3L * size, 1000);
        for (uint i = 0; i < 3; i++)
        {
            Assert.Equal(0, hold.Hold(Packet(1, i), i));
        }

        Assert.Equal(1, hold.Hold(Packet(1, 3), 3));
        Assert.Equal(3L * size, hold.Bytes);
        Assert.Equal([1L, 2L, 3L], ReleaseAll(hold, 1).Select(p => p.Sequence));
    }

    [Fact]
    public void Symbols_older_than_the_wait_expire_and_a_budget_of_zero_holds_nothing()
    {
        var hold = new EarlySymbolHold(1 << 20, 100);
        hold.Hold(Packet(1, 0), 0);
        hold.Hold(Packet(1, 1), 50);
        Assert.Equal(0, hold.Expire(100));
        Assert.Equal(1, hold.Expire(101));
        Assert.Equal(1, hold.Hold(Packet(1, 2), 200)); // the one from 50 expires on the way in
        Assert.Equal([2L], ReleaseAll(hold, 1).Select(p => p.Sequence));

        var none = new EarlySymbolHold(0, 100);
        Assert.Equal(1, none.Hold(Packet(1, 0), 0));
        Assert.Equal(0, none.Count);
    }

    [Fact]
    public void Release_stops_handing_over_at_false_but_forgets_every_symbol_of_the_session_and_discard_counts()
    {
        var hold = new EarlySymbolHold(1 << 20, 1000);
        for (uint i = 0; i < 5; i++)
        {
            hold.Hold(Packet(1, i), 0);
            hold.Hold(Packet(2, i), 0);
        }

        int handed = 0;
        Assert.Equal(5, hold.Release(1, 0, (_, _) => ++handed < 2));
        Assert.Equal(2, handed);
        Assert.Equal(5, hold.Count);
        Assert.Equal(5, hold.Discard(2));
        Assert.Equal(0, hold.Count);
        Assert.Equal(0, hold.Bytes);
    }
}

using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

/// <summary>The session ticket: what it binds to the outside's key, and what a receiver refuses before verifying anything.</summary>
public sealed class TicketCodecUnitTests
{
    private const int SymbolSize = 1436;
    private const long TiB = 1L << 40;

    private static AnnounceInfo Info(ulong session = 0x1122334455667788, long length = 10_000_000, int k = 128, byte[]? descriptor = null) =>
        new(session, length, [.. Enumerable.Range(0, 32).Select(i => (byte)i)], k, SymbolSize, new ObjectLayout(length, SymbolSize, k).BlockCount, 2, 32, descriptor ?? [1, 2, 3]);

    private static string? Verify(byte[] sealedTicket, int sealLength) =>
        TestTickets.Verifier(TicketCodec.Ticket(sealedTicket, sealLength), TicketCodec.SealOf(sealedTicket, sealLength));

    [Fact]
    public void A_sealed_ticket_round_trips_every_field_and_verifies()
    {
        AnnounceInfo info = Info(descriptor: [.. Enumerable.Range(0, 3000).Select(i => (byte)i)]);
        byte[] sealedTicket = TicketCodec.Seal(info, TestTickets.Signer, out int sealLength);

        Assert.Null(TicketCodec.TryParse(sealedTicket, sealLength, info.SessionId, SymbolSize, out AnnounceInfo parsed));
        Assert.True(parsed.SameObject(info));
        Assert.Equal((info.Passes, info.RepairPerPass), (parsed.Passes, parsed.RepairPerPass));
        Assert.Equal(info.Descriptor, parsed.Descriptor);
        Assert.Null(Verify(sealedTicket, sealLength));
    }

    [Fact]
    public void Every_byte_of_the_ticket_is_covered_by_the_seal()
    {
        byte[] original = TicketCodec.Seal(Info(), TestTickets.Signer, out int sealLength);
        for (int at = 0; at < original.Length - sealLength; at++)
        {
            byte[] changed = (byte[])original.Clone();
            changed[at] ^= 0x01;
            bool wellFormed = TicketCodec.TryParse(changed, sealLength, 0x1122334455667788, SymbolSize, out _) is null;
            Assert.False(wellFormed && Verify(changed, sealLength) is null, $"a change at byte {at} of the ticket kept a valid seal");
        }
    }

    [Fact]
    public void A_seal_by_another_key_is_refused()
    {
        byte[] sealedTicket = TicketCodec.Seal(Info(), TestTickets.ForeignSigner, out int sealLength);
        Assert.Null(TicketCodec.TryParse(sealedTicket, sealLength, 0x1122334455667788, SymbolSize, out _));
        Assert.NotNull(Verify(sealedTicket, sealLength));
    }

    [Fact]
    public void A_ticket_announced_under_another_session_id_is_refused()
    {
        byte[] sealedTicket = TicketCodec.Seal(Info(session: 1), TestTickets.Signer, out int sealLength);
        Assert.Contains("names session 0000000000000001", TicketCodec.TryParse(sealedTicket, sealLength, 2, SymbolSize, out _));
    }

    [Fact]
    public void A_1_TiB_object_in_blocks_of_one_symbol_is_refused_before_anything_is_allocated_even_when_signed()
    {
        // The review's forged announce, here even signed by the trusted key: 765 million blocks of state.
        var huge = new AnnounceInfo(7, TiB, new byte[32], 1, SymbolSize, (TiB + SymbolSize - 1) / SymbolSize, 1, 0, []);
        byte[] sealedTicket = TicketCodec.Seal(huge, TestTickets.Signer, out int sealLength);
        Assert.Contains("blocks", TicketCodec.TryParse(sealedTicket, sealLength, 7, SymbolSize, out _));

        // The largest object in the usual cut is accepted, and its state stays bounded.
        AnnounceInfo largest = Info(length: TiB);
        sealedTicket = TicketCodec.Seal(largest, TestTickets.Signer, out sealLength);
        Assert.Null(TicketCodec.TryParse(sealedTicket, sealLength, largest.SessionId, SymbolSize, out AnnounceInfo parsed));
        Assert.InRange(ReceiveSession.StateBytes(parsed), 1, SessionTable.DefaultMaxStateBytes);
    }

    [Theory]
    [InlineData(-1, 128, "object")]
    [InlineData(TiB + 1, 128, "object")]
    [InlineData(1000, 0, "cut")]
    [InlineData(1000, 256, "cut")]
    public void Impossible_fields_are_refused_with_a_reason(long length, int k, string reason)
    {
        byte[] sealedTicket = TicketCodec.Seal(Info(length: 1000), TestTickets.Signer, out int sealLength);
        System.Buffers.Binary.BinaryPrimitives.WriteInt64LittleEndian(sealedTicket.AsSpan(32), length);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(sealedTicket.AsSpan(18), (ushort)k);
        Assert.Contains(reason, TicketCodec.TryParse(sealedTicket, sealLength, 0x1122334455667788, SymbolSize, out _));
    }

    [Fact]
    public void A_ticket_starts_with_a_zero_byte_so_it_can_never_parse_as_a_protobuf_message()
    {
        byte[] sealedTicket = TicketCodec.Seal(Info(), TestTickets.Signer, out _);
        Assert.Equal(0, sealedTicket[0]);
    }
}

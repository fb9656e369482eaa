using System.Buffers.Binary;
using Sync.Core;
using Sync.Protocol;
using Sync.Transport.Udp;
using Sync.Transport.Udp.Internal;

namespace Sync.Fuzz.Targets;

/// <summary>
/// Datagrams as the diode receiver meets them (wire version 2): <see cref="PacketCodec.TryOpen"/> with and without a
/// MAC key (and the version-1 beacon check for foreign ones), then every announce through a <see cref="TicketGate"/>:
/// the fragment header (<see cref="AnnounceCodec.TryParse"/>), the <see cref="AnnounceHoldingArea"/> for tickets in
/// several pieces, the ticket id, <see cref="TicketCodec"/>'s parse and bounds, the seal. What passes the gate is used
/// as the receiver uses it: the object layout, the spool and memory it sizes, and the descriptor as sync-inside reads
/// it. A datagram whose checksum or MAC does not match is also tried re-sealed, so mutations of its header and payload
/// reach the gate. Input: datagrams, each a 2-byte length then its bytes; each is 20 ms after the one before (a clock
/// of the target's own, so runs repeat exactly), which is what expires held pieces and refills the verification
/// ration. No datagram may throw: the receiver must never end because of one.
/// </summary>
/// <remarks>
/// Each announce goes through two gates. One checks seals as sync-inside does (<c>UdpDescriptor.VerifyTicket</c>
/// against the fuzz key), so the seeds pass it and mutated seals exercise that check. The other accepts any seal,
/// so that everything up to the signature check decides alone what reaches the layout: TicketCodec's bounds must
/// make whatever a ticket says safe to use, because a real outside signs what it is given.
/// </remarks>
internal sealed class UdpDatagramTarget : FuzzTarget
{
    private static readonly TimeSpan Spacing = TimeSpan.FromMilliseconds(20);

    public override string Name => "udp";

    public override string Decodes => "UDP datagrams: PacketCodec.TryOpen, then announces through TicketGate (AnnounceCodec, AnnounceHoldingArea, TicketCodec, the seal), ObjectLayout and the descriptor";

    protected override Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var clock = new SteppingClock();
        var sealChecked = new TicketGate((ticket, seal) => UdpDescriptor.VerifyTicket(FuzzKeys.Trust, ticket, seal), clock);
        var anySeal = new TicketGate((_, _) => null, clock);
        var cursor = new InputCursor(input);
        while (!cursor.IsEmpty)
        {
            var datagram = cursor.ReadPiece16().Span;
            clock.Advance(Spacing);
            foreach (var key in new[] { null, FuzzKeys.UdpMacKey })
            {
                var status = PacketCodec.TryOpen(datagram, key, out var header);
                if (status == PacketStatus.Ok)
                {
                    Decode(header, datagram, sealChecked, anySeal);
                }
                else if (status == PacketStatus.Foreign)
                {
                    _ = LegacyBeacon.Is(datagram); // what the receive loop asks of another version's datagram
                }
                else if (status is PacketStatus.Garbage or PacketStatus.BadMac && Resealed(datagram, key) is { } resealed &&
                    PacketCodec.TryOpen(resealed, key, out header) == PacketStatus.Ok)
                {
                    Decode(header, resealed, sealChecked, anySeal);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>An opened datagram as the decode loop takes it: an announce goes to the gates.</summary>
    private static void Decode(in PacketHeader header, ReadOnlySpan<byte> datagram, TicketGate sealChecked, TicketGate anySeal)
    {
        if (header.Type != PacketType.Announce)
        {
            return;
        }

        var payload = datagram.Slice(PacketCodec.HeaderSize, header.PayloadLength);
        foreach (var gate in new[] { sealChecked, anySeal })
        {
            if (gate.Pass(header, payload, out var refused) is { } info)
            {
                Use(info, header.SessionId);
            }
            else if (refused is not null && (refused.Length == 0 || refused.Contains('\n', StringComparison.Ordinal)))
            {
                throw new FuzzFinding($"the gate refused an announce without one line saying why: '{refused}'");
            }
        }
    }

    /// <summary>
    /// The datagram's header and payload (as long as its header says, cut or zero-padded) with a fresh MAC and checksum:
    /// afl-fuzz cannot forge either, so without this no mutation of an announce would get past them to the gate. Null
    /// when there is no header.
    /// </summary>
    private static byte[]? Resealed(ReadOnlySpan<byte> datagram, byte[]? key)
    {
        if (datagram.Length < PacketCodec.HeaderSize)
        {
            return null;
        }

        var payloadLength = BinaryPrimitives.ReadUInt16LittleEndian(datagram[30..]);
        var resealed = new byte[PacketCodec.DatagramSize(payloadLength, key is not null)];
        datagram[..Math.Min(datagram.Length, PacketCodec.HeaderSize + payloadLength)].CopyTo(resealed);
        resealed[6] = key is null ? (byte)0 : (byte)1; // the MAC flag the receiver expects
        PacketCodec.Seal(resealed, key);
        return resealed;
    }

    /// <summary>What the receiver computes from a session that passed the gate, before and while it opens a spool.</summary>
    private static void Use(AnnounceInfo info, ulong sessionId)
    {
        if (info.SessionId != sessionId)
        {
            throw new FuzzFinding($"the gate passed a ticket of session {info.SessionId:x16} for an announce of {sessionId:x16}");
        }

        var layout = info.Layout();
        if (layout.BlockCount != info.BlockCount || info.SpoolObjectBytes < info.ObjectLength || ReceiveSession.StateBytes(info) <= 0)
        {
            throw new FuzzFinding($"a passed ticket's layout disagrees with it ({layout.BlockCount} blocks for {info.BlockCount}, spool {info.SpoolObjectBytes} bytes)");
        }

        if (layout.BlockCount > 0)
        {
            var last = layout.BlockCount - 1;
            var bytes = layout.BlockBytes(last);
            var symbols = layout.DataSymbols(last);
            if (symbols < 1 || symbols > layout.K || bytes < 0 || layout.Offset(last, 0) + bytes != layout.Length)
            {
                throw new FuzzFinding($"a passed ticket lays out an impossible last block ({symbols} symbols, {bytes} bytes)");
            }

            // The pass plan the receiver builds for its margins (ReceiveSession): every block's slots fit its ids.
            var schedule = info.Schedule();
            foreach (var block in new[] { 0, last })
            {
                if (schedule.Slots(block) > schedule.IdSpace(block) || schedule.Repairs(block) < info.RepairPerPass)
                {
                    throw new FuzzFinding($"a passed ticket's block {block} gets {schedule.Slots(block)} slots for {schedule.IdSpace(block)} ids");
                }
            }
        }

        // sync-inside's WantsSession: the descriptor is the stream's signed header; anything else is ignored, not thrown.
        try
        {
            var signed = UdpDescriptor.Decode(info.Descriptor);
            _ = ProtobufWireCodec.Instance.ParseHeader(FuzzKeys.Trust.Verify(signed, "UDP session"));
        }
        catch (SyncException)
        {
        }
    }

    /// <summary>A clock that moves only when told: runs of the same input see the same times.</summary>
    private sealed class SteppingClock : TimeProvider
    {
        private long _now = 1;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _now;

        public void Advance(TimeSpan by) => _now += by.Ticks;
    }
}

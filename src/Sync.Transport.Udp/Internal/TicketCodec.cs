using System.Buffers.Binary;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? The session ticket: every field that decides what a receiver allocates, writes and hands over (the
/// session id, the object's length and SHA-256, its cut into blocks, passes and repair per pass, and the caller's
/// descriptor) in one byte string the outside signs with the key that signs its headers. Announces carry it sealed
/// (<c>ticket | seal</c>, see <see cref="AnnounceCodec"/>), and a receiver acts on none of it before the caller's
/// <see cref="SessionVerifier"/> accepted the seal. Layout in docs/udp-carrier.md. Stateless and thread-safe.
/// </summary>
/// <remarks>
/// The ticket starts with a zero byte: a protobuf message never does (field number 0 is invalid), so a signature over a
/// ticket can never pass for the signature of a header the same key made, nor the other way round.
/// </remarks>
internal static class TicketCodec
{
    /// <summary>Format of a GF(2^8) session's ticket: every receiver since the signed tickets reads it.</summary>
    public const int Version = 2;

    /// <summary>Format that names the erasure code (4 more bytes); used only for codes other than GF(2^8), so receivers of format 2 refuse those sessions with one line instead of decoding garbage.</summary>
    public const int CodedVersion = 3;

    /// <summary>Fixed part of a format-2 ticket; the smallest a ticket can be.</summary>
    public const int FixedSize = 80;

    private const int CodedFixedSize = FixedSize + 4;

    public const int MaxDescriptorBytes = 16 << 10;
    public const int MaxSealBytes = 512;
    public const int MaxSealedBytes = CodedFixedSize + MaxDescriptorBytes + MaxSealBytes;

    /// <summary>Largest object a receiver accepts (1 TiB).</summary>
    public const long MaxObjectBytes = 1L << 40;

    /// <summary>Largest interleave depth, as <see cref="UdpSendOptions"/> allows.</summary>
    public const int MaxInterleave = 4096;

    /// <summary>Most blocks per GF(2^8) object: bounds the per-block state (35 bytes a block) a receiver keeps for one session. See <see cref="FecCodes.MaxBlocks"/>.</summary>
    public const long MaxBlocks = 1L << 24;

    public static ReadOnlySpan<byte> Magic => "\0sync-udp-ticket"u8;

    /// <summary>The ticket of <paramref name="info"/> followed by its seal from <paramref name="signer"/>.</summary>
    public static byte[] Seal(AnnounceInfo info, SessionSigner signer, out int sealLength)
    {
        if (info.Descriptor.Length > MaxDescriptorBytes)
        {
            throw new ArgumentException($"descriptor is {info.Descriptor.Length} bytes; at most {MaxDescriptorBytes}");
        }

        bool coded = info.Code != FecCode.ReedSolomon8;
        int fixedSize = coded ? CodedFixedSize : FixedSize;
        var ticket = new byte[fixedSize + info.Descriptor.Length];
        Span<byte> t = ticket;
        Magic.CopyTo(t);
        BinaryPrimitives.WriteUInt16LittleEndian(t[16..], coded ? (ushort)CodedVersion : (ushort)Version);
        BinaryPrimitives.WriteUInt16LittleEndian(t[18..], checked((ushort)info.K));
        BinaryPrimitives.WriteUInt16LittleEndian(t[20..], checked((ushort)info.SymbolSize));
        BinaryPrimitives.WriteUInt16LittleEndian(t[22..], checked((ushort)info.RepairPerPass));
        BinaryPrimitives.WriteUInt64LittleEndian(t[24..], info.SessionId);
        BinaryPrimitives.WriteInt64LittleEndian(t[32..], info.ObjectLength);
        info.Sha256.CopyTo(t[40..72]);
        BinaryPrimitives.WriteUInt32LittleEndian(t[72..], checked((uint)info.BlockCount));
        BinaryPrimitives.WriteUInt16LittleEndian(t[76..], checked((ushort)info.Passes));
        BinaryPrimitives.WriteUInt16LittleEndian(t[78..], (ushort)info.Descriptor.Length);
        if (coded)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(t[80..], (ushort)info.Code);
            BinaryPrimitives.WriteUInt16LittleEndian(t[82..], checked((ushort)info.Interleave));
        }

        info.Descriptor.CopyTo(t[fixedSize..]);

        byte[] seal = signer(ticket);
        if (seal.Length is < 1 or > MaxSealBytes)
        {
            throw new ArgumentException($"the signer made a {seal.Length}-byte seal; 1..{MaxSealBytes} bytes fit an announce");
        }

        sealLength = seal.Length;
        return [.. ticket, .. seal];
    }

    /// <summary>
    /// Parses and bounds-checks the ticket part of a sealed ticket; null when it is well-formed (nothing is verified
    /// here), else why not. Every size is checked before anything is allocated, and no arithmetic can overflow.
    /// </summary>
    public static string? TryParse(ReadOnlySpan<byte> sealedTicket, int sealLength, ulong sessionId, int symbolSize, out AnnounceInfo info)
    {
        info = default!;
        if (sealLength is < 1 or > MaxSealBytes || sealedTicket.Length - sealLength < FixedSize)
        {
            return "announce holds no session ticket";
        }

        ReadOnlySpan<byte> t = sealedTicket[..^sealLength];
        if (!t.StartsWith(Magic))
        {
            return "announce holds no session ticket";
        }

        int version = BinaryPrimitives.ReadUInt16LittleEndian(t[16..]);
        int k = BinaryPrimitives.ReadUInt16LittleEndian(t[18..]);
        int symbol = BinaryPrimitives.ReadUInt16LittleEndian(t[20..]);
        int repair = BinaryPrimitives.ReadUInt16LittleEndian(t[22..]);
        ulong ticketSession = BinaryPrimitives.ReadUInt64LittleEndian(t[24..]);
        long length = BinaryPrimitives.ReadInt64LittleEndian(t[32..]);
        long blocks = BinaryPrimitives.ReadUInt32LittleEndian(t[72..]);
        int passes = BinaryPrimitives.ReadUInt16LittleEndian(t[76..]);
        int descriptorLength = BinaryPrimitives.ReadUInt16LittleEndian(t[78..]);
        if (version is not (Version or CodedVersion))
        {
            return $"session ticket of format {version}; this receiver reads formats {Version} and {CodedVersion}" +
                (version > CodedVersion ? ": the sender is newer, upgrade sync-inside" : "");
        }

        int fixedSize = version == CodedVersion ? CodedFixedSize : FixedSize;
        if (t.Length < fixedSize)
        {
            return "session ticket is shorter than its format";
        }

        var code = FecCode.ReedSolomon8;
        int interleave = 0;
        if (version == CodedVersion)
        {
            int codeValue = BinaryPrimitives.ReadUInt16LittleEndian(t[80..]);
            if (!FecCodes.IsKnown((FecCode)codeValue) || (FecCode)codeValue == FecCode.ReedSolomon8)
            {
                return $"session uses erasure code {codeValue}, which this receiver cannot decode: upgrade sync-inside";
            }

            interleave = BinaryPrimitives.ReadUInt16LittleEndian(t[82..]);
            if (interleave is < 1 or > MaxInterleave)
            {
                return $"session ticket's interleave {interleave} is not 1..{MaxInterleave}";
            }

            code = (FecCode)codeValue;
        }

        if (ticketSession != sessionId)
        {
            return $"session ticket names session {ticketSession:x16}, announced as {sessionId:x16}";
        }

        if (descriptorLength != t.Length - fixedSize || descriptorLength > MaxDescriptorBytes)
        {
            return "session ticket's descriptor length does not match";
        }

        if (FecCodes.ShapeError(code, k, repair) is not null || !FecCodes.SymbolSizeFits(code, symbol) || symbol != symbolSize || passes is < 1 or > 255)
        {
            return $"session ticket has an impossible cut for {FecCodes.Name(code)} (k {k}, repair {repair}, symbol {symbol} in {symbolSize}-byte announces, {passes} passes)";
        }

        if (length is < 0 or > MaxObjectBytes)
        {
            return $"session ticket claims a {length}-byte object; at most {MaxObjectBytes} bytes are accepted";
        }

        // Both are below 2^41 and 2^16 here, so nothing overflows.
        long expectedBlocks = ((length + symbol - 1) / symbol + k - 1) / k;
        long maxBlocks = FecCodes.MaxBlocks(code);
        if (blocks != expectedBlocks || blocks > maxBlocks)
        {
            return blocks != expectedBlocks
                ? $"session ticket's block count {blocks} does not match its length and cut ({expectedBlocks})"
                : $"session ticket cuts its object into {blocks} blocks; at most {maxBlocks} are accepted";
        }

        info = new AnnounceInfo(sessionId, length, t[40..72].ToArray(), k, symbol, blocks, passes, repair, t[fixedSize..].ToArray(), code, interleave);
        return null;
    }

    /// <summary>The signed part of a sealed ticket.</summary>
    public static ReadOnlySpan<byte> Ticket(ReadOnlySpan<byte> sealedTicket, int sealLength) => sealedTicket[..^sealLength];

    /// <summary>The seal of a sealed ticket.</summary>
    public static ReadOnlySpan<byte> SealOf(ReadOnlySpan<byte> sealedTicket, int sealLength) => sealedTicket[^sealLength..];
}

using System.Buffers.Binary;
using Google.Protobuf;
using Sync.Core;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Protocol;

namespace Sync.Transport.Udp;

/// <summary>
/// The small bytes announced with each UDP session, before any of the stream. A session that carries a whole stream
/// (the carousel's) has an 8-byte tag ("SYNCUDP" + format version 1) and the stream's signed header as one protobuf
/// frame (the same encoding as the stream's first frame). A session that carries one part of a stream (`send` cuts
/// the stream into parts so the first datagram leaves while the rest is still being written) has tag version 3, the
/// part's place (index, offset in the stream, whether it is the last: 13 bytes, little-endian) and then the same
/// signed header.
/// The outside encodes it; the inside checks trust and generation from it and spools nothing it would refuse.
/// The session ticket that carries it is sealed with the same key: the seal is the key id's length (one byte), the
/// key id and the signature. One codec for both ends, so the two cannot drift apart.
/// </summary>
public static class UdpDescriptor
{
    private static ReadOnlySpan<byte> Tag => "SYNCUDP\u0001"u8;

    // Version 2 is skipped: the legacy beacon for version-1 receivers (LegacyBeacon) starts with "SYNCUDP\u0002".
    private static ReadOnlySpan<byte> PartTag => "SYNCUDP\u0003"u8;

    private const int PlaceBytes = 4 + 8 + 1;

    public static byte[] Encode(SignedPayload signedHeader)
    {
        var frame = FrameCodec.ToWire(new HeaderFrame(signedHeader)).ToByteArray();
        var bytes = new byte[Tag.Length + frame.Length];
        Tag.CopyTo(bytes);
        frame.CopyTo(bytes.AsSpan(Tag.Length));
        return bytes;
    }

    /// <summary>The descriptor of a session that carries <paramref name="part"/> of the stream <paramref name="signedHeader"/> starts.</summary>
    public static byte[] EncodePart(SignedPayload signedHeader, StreamPart part)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(part.Index);
        ArgumentOutOfRangeException.ThrowIfNegative(part.Offset);
        var frame = FrameCodec.ToWire(new HeaderFrame(signedHeader)).ToByteArray();
        var bytes = new byte[PartTag.Length + PlaceBytes + frame.Length];
        var span = bytes.AsSpan();
        PartTag.CopyTo(span);
        BinaryPrimitives.WriteInt32LittleEndian(span[PartTag.Length..], part.Index);
        BinaryPrimitives.WriteInt64LittleEndian(span[(PartTag.Length + 4)..], part.Offset);
        span[PartTag.Length + 12] = part.Last ? (byte)1 : (byte)0;
        frame.CopyTo(span[(PartTag.Length + PlaceBytes)..]);
        return bytes;
    }

    /// <summary>The signed header; anything else is refused (a foreign sender on the port, or another format version).</summary>
    public static SignedPayload Decode(ReadOnlyMemory<byte> descriptor) => Read(descriptor, out _);

    /// <summary>The signed header, and which part of the stream the session carries (null: the whole stream).</summary>
    public static SignedPayload Read(ReadOnlyMemory<byte> descriptor, out StreamPart? part)
    {
        part = null;
        var frameStart = Tag.Length;
        if (descriptor.Length > PartTag.Length + PlaceBytes && descriptor.Span.StartsWith(PartTag))
        {
            var place = descriptor.Span[PartTag.Length..];
            var index = BinaryPrimitives.ReadInt32LittleEndian(place);
            var offset = BinaryPrimitives.ReadInt64LittleEndian(place[4..]);
            if (index < 0 || offset < 0 || place[12] > 1 || (index == 0) != (offset == 0))
            {
                throw SyncException.Refused("UDP session descriptor names an impossible part of a stream");
            }

            part = new StreamPart(index, offset, place[12] == 1);
            frameStart = PartTag.Length + PlaceBytes;
        }
        else if (descriptor.Length <= Tag.Length || !descriptor.Span.StartsWith(Tag))
        {
            throw SyncException.Refused("UDP session descriptor is not one sync-outside writes (foreign sender, or another format version)");
        }

        return FrameCodec.Decode(descriptor[frameStart..]) is HeaderFrame header
            ? header.Header
            : throw SyncException.Refused("UDP session descriptor does not hold a signed header");
    }

    /// <summary>Seals session tickets with the outside's signing key, for <see cref="UdpSendOptions.Signer"/>.</summary>
    public static SessionSigner Signer(SigningKey key) => ticket =>
    {
        var signed = key.Sign(ticket.ToArray());
        return [(byte)signed.KeyId.Length, .. signed.KeyId, .. signed.Signature];
    };

    /// <summary>Null when a key of <paramref name="trust"/> sealed the session ticket; else why not, in one line.</summary>
    public static string? VerifyTicket(TrustStore trust, ReadOnlySpan<byte> ticket, ReadOnlySpan<byte> seal)
    {
        if (seal.Length < 2 || seal[0] == 0 || seal.Length <= 1 + seal[0])
        {
            return "its ticket's seal is not one sync-outside makes";
        }

        try
        {
            trust.Verify(new SignedPayload(ticket.ToArray(), seal.Slice(1, seal[0]).ToArray(), seal[(1 + seal[0])..].ToArray()), "its ticket");
            return null;
        }
        catch (SyncException e)
        {
            return e.Message;
        }
    }

    /// <summary>The session id a generation's stream is always sent under, so a repeat continues a receiver's partial spool.</summary>
    public static ulong SessionId(DeltaHeader header) => BitConverter.ToUInt64(header.StreamId, 0);

    /// <summary>The session id a part of a generation's stream is sent under: the stream's, mixed with the part's index (never the whole stream's).</summary>
    public static ulong SessionId(DeltaHeader header, StreamPart part) => SessionId(SessionId(header), part);

    /// <summary>As above, from the whole stream's session id (<see cref="UdpStreamFile.SessionId"/>).</summary>
    public static ulong SessionId(ulong streamSessionId, StreamPart part) => streamSessionId ^ ((ulong)(part.Index + 1) * 0x9E3779B97F4A7C15UL);
}

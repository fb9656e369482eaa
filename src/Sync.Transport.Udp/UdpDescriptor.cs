using Google.Protobuf;
using Sync.Core;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Protocol;

namespace Sync.Transport.Udp;

/// <summary>
/// The small bytes announced with each UDP session, before any of the stream: an 8-byte tag ("SYNCUDP" + format
/// version 1) and the stream's signed header as one protobuf frame (the same encoding as the stream's first frame).
/// The outside encodes it; the inside checks trust and generation from it and spools nothing it would refuse.
/// The session ticket that carries it is sealed with the same key: the seal is the key id's length (one byte), the
/// key id and the signature. One codec for both ends, so the two cannot drift apart.
/// </summary>
public static class UdpDescriptor
{
    private static ReadOnlySpan<byte> Tag => "SYNCUDP\u0001"u8;

    public static byte[] Encode(SignedPayload signedHeader)
    {
        var frame = FrameCodec.ToWire(new HeaderFrame(signedHeader)).ToByteArray();
        var bytes = new byte[Tag.Length + frame.Length];
        Tag.CopyTo(bytes);
        frame.CopyTo(bytes.AsSpan(Tag.Length));
        return bytes;
    }

    /// <summary>The signed header; anything else is refused (a foreign sender on the port, or another format version).</summary>
    public static SignedPayload Decode(ReadOnlyMemory<byte> descriptor)
    {
        if (descriptor.Length <= Tag.Length || !descriptor.Span.StartsWith(Tag))
        {
            throw SyncException.Refused("UDP session descriptor is not one sync-outside writes (foreign sender, or another format version)");
        }

        return FrameCodec.Decode(descriptor[Tag.Length..]) is HeaderFrame header
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
}

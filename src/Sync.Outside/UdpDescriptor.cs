using Google.Protobuf;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Protocol;
using Sync.Transport.Udp;

namespace Sync.Outside;

/// <summary>
/// The small bytes announced with each UDP session, before any of the stream: an 8-byte tag ("SYNCUDP" + format
/// version) and the stream's signed header as one protobuf frame (the same encoding as the stream's first frame).
/// The inside checks trust and generation from it and spools nothing it would refuse (sync-inside's
/// UdpDescriptor reads it). The carrier puts it into the session ticket, which <see cref="Signer"/> signs with the
/// same key: the seal is the key id's length (one byte), the key id and the signature.
/// </summary>
internal static class UdpDescriptor
{
    public static ReadOnlySpan<byte> Tag => "SYNCUDP\u0001"u8;

    public static byte[] Encode(SignedPayload signedHeader)
    {
        var frame = FrameCodec.ToWire(new HeaderFrame(signedHeader)).ToByteArray();
        var bytes = new byte[Tag.Length + frame.Length];
        Tag.CopyTo(bytes);
        frame.CopyTo(bytes.AsSpan(Tag.Length));
        return bytes;
    }

    /// <summary>Seals session tickets with the outside's signing key, for <see cref="UdpSendOptions.Signer"/>.</summary>
    public static SessionSigner Signer(SigningKey key) => ticket =>
    {
        var signed = key.Sign(ticket.ToArray());
        return [(byte)signed.KeyId.Length, .. signed.KeyId, .. signed.Signature];
    };

    /// <summary>The session id a generation's stream is always sent under, so a repeat continues a receiver's partial spool.</summary>
    public static ulong SessionId(DeltaHeader header) => BitConverter.ToUInt64(header.StreamId, 0);
}

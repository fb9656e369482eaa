using Sync.Core;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Protocol;

namespace Sync.Inside;

/// <summary>
/// Reads the descriptor sync-outside announces with each UDP session: "SYNCUDP" + format version 1, then the
/// stream's signed header as one protobuf frame. Anything else is refused (a foreign sender on the port). Verifies
/// the seal of the session ticket that carries it: key id length (one byte), key id, signature by a trusted key.
/// </summary>
internal static class UdpDescriptor
{
    private static ReadOnlySpan<byte> Tag => "SYNCUDP\u0001"u8;

    /// <summary>Null when a key of <paramref name="trust"/> signed the session ticket; else why not, in one line.</summary>
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
}

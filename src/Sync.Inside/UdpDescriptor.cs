using Sync.Core;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Protocol;

namespace Sync.Inside;

/// <summary>
/// Reads the descriptor sync-outside announces with each UDP session: "SYNCUDP" + format version 1, then the
/// stream's signed header as one protobuf frame. Anything else is refused (a foreign sender on the port).
/// </summary>
internal static class UdpDescriptor
{
    private static ReadOnlySpan<byte> Tag => "SYNCUDP\u0001"u8;

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

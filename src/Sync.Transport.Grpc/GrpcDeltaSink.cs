using Sync.Core.Streams;
using Sync.Protocol;
using Sync.Protocol.V1;

namespace Sync.Transport.Grpc;

/// <summary>
/// The outside writes its delta stream here: one message per frame. Each write returns once the message is
/// serialized into the HTTP/2 stream (chunk memory may then be reused), and waits while the inside's flow-control
/// window is full, which is what bounds memory when the inside or its disk is slower.
/// </summary>
public sealed class GrpcDeltaSink : IDeltaSink
{
    private readonly IPeerStream<OutsideMessage, InsideMessage> _peer;

    public GrpcDeltaSink(IPeerStream<OutsideMessage, InsideMessage> peer) => _peer = peer;

    /// <summary>Protobuf bytes of the frames sent so far (what crossed the link, before HTTP/2 framing).</summary>
    public long BytesSent { get; private set; }

    public async ValueTask WriteAsync(DeltaFrame frame, CancellationToken cancellationToken)
    {
        var message = new OutsideMessage { Frame = FrameCodec.ToWire(frame) };
        BytesSent += message.CalculateSize();
        await _peer.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }
}

using Sync.Core.Streams;
using Sync.Protocol;
using Sync.Protocol.V1;

namespace Sync.Transport.Grpc;

/// <summary>
/// The outside writes its delta stream here: one message per frame. Each write returns once the message is
/// serialized into the HTTP/2 stream (chunk memory may then be reused), and waits while the inside's flow-control
/// window is full, which is what bounds memory when the inside or its disk is slower.
/// </summary>
internal sealed class GrpcDeltaSink : IDeltaSink
{
    private readonly IPeerStream<OutsideMessage, InsideMessage> _peer;
    private readonly SendPacer? _pacer;

    public GrpcDeltaSink(IPeerStream<OutsideMessage, InsideMessage> peer, SendPacer? pacer = null)
    {
        _peer = peer;
        _pacer = pacer;
    }

    /// <summary>Protobuf bytes of the frames sent so far (what crossed the link, before HTTP/2 framing).</summary>
    public long BytesSent { get; private set; }

    public async ValueTask WriteAsync(DeltaFrame frame, CancellationToken cancellationToken)
    {
        var message = new OutsideMessage { Frame = FrameCodec.ToWire(frame) };
        var size = message.CalculateSize();
        if (_pacer is not null)
        {
            await _pacer.WaitAsync(size, cancellationToken).ConfigureAwait(false);
        }

        BytesSent += size;
        await _peer.SendAsync(message, cancellationToken).ConfigureAwait(false);
    }
}

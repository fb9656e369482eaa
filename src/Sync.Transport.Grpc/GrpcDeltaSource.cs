using Sync.Core;
using Sync.Core.Streams;
using Sync.Protocol;
using Sync.Protocol.V1;

namespace Sync.Transport.Grpc;

/// <summary>
/// The inside reads the delta stream here. The stream ends at its end frame, not when the other side closes, because
/// the call stays open for the inside's outcome. Anything but a frame in the middle of the stream is refused.
/// </summary>
internal sealed class GrpcDeltaSource : IDeltaSource
{
    private readonly IPeerStream<InsideMessage, OutsideMessage> _peer;
    private bool _ended;
    private OutsideMessage? _peeked;
    private OutsideMessage? _previous;

    /// <param name="peer">The stream, bounded by the idle timeout (<see cref="IdleLimitedPeerStream{TSend, TReceive}"/>):
    /// a stalled peer must not hold the inside (one sync at a time) for ever.</param>
    public GrpcDeltaSource(IPeerStream<InsideMessage, OutsideMessage> peer) => _peer = peer;

    /// <summary>The next message, or null at the end.</summary>
    public Task<OutsideMessage?> ReceiveAsync(CancellationToken cancellationToken) => _peer.ReceiveAsync(cancellationToken);

    public long BytesReceived { get; private set; }

    /// <summary>The next message without consuming it, so the session can see whether a stream follows at all.</summary>
    public async Task<OutsideMessage> PeekAsync(CancellationToken cancellationToken) =>
        _peeked ??= await ReceiveAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new SyncException(SyncErrorKind.Failure, $"{_peer.Peer} closed the stream before sending anything");

    public async ValueTask<DeltaFrame?> ReadAsync(CancellationToken cancellationToken)
    {
        if (_ended)
        {
            return null;
        }

        // The frame read before this one is consumed by now: its chunk's pooled array goes back.
        PooledChunkMessages.Return(_previous);
        _previous = null;
        var message = _peeked ?? await ReceiveAsync(cancellationToken).ConfigureAwait(false);
        _peeked = null;
        _previous = message;
        switch (message?.BodyCase)
        {
            case null:
                throw new SyncException(SyncErrorKind.Failure, $"{_peer.Peer} closed the stream before its end (cut transfer); what arrived is kept for a resume");
            case OutsideMessage.BodyOneofCase.Frame:
                BytesReceived += message.CalculateSize();
                var frame = FrameCodec.FromWire(message.Frame);
                _ended = frame is EndFrame;
                return frame;
            case OutsideMessage.BodyOneofCase.Abort:
                throw AbortError(_peer.Peer, message.Abort);
            default:
                throw SyncException.Refused($"{_peer.Peer} sent {message.BodyCase} in the middle of the delta stream");
        }
    }

    internal static SyncException AbortError(string peer, Abort abort) => abort.Busy
        ? SyncException.Busy($"{peer} is busy: {PeerText.Clean(abort.Reason)}")
        : new SyncException(SyncErrorKind.Failure, $"{peer} gave up: {PeerText.Clean(abort.Reason)}");
}

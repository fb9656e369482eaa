using System.Threading.Channels;

namespace Sync.Transport.Grpc;

/// <summary>
/// Receives ahead on its own task, a few messages deep, so parsing the next message overlaps with verifying and
/// writing the current one (two cores: one receives, one applies). The bound keeps memory small and leaves HTTP/2
/// flow control as the backpressure; a receive error surfaces, in order, at the read that would have met it.
/// </summary>
/// <remarks>The pump ends with the call (or the token); it needs no disposing, and nothing else may read the inner stream.</remarks>
internal sealed class PrefetchingPeerStream<TSend, TReceive> : IPeerStream<TSend, TReceive>
    where TReceive : class
{
    private readonly IPeerStream<TSend, TReceive> _inner;
    private readonly Channel<TReceive> _ahead;
    private readonly TimeProvider _time;

    public PrefetchingPeerStream(IPeerStream<TSend, TReceive> inner, int depth, TimeProvider time, CancellationToken cancellationToken)
    {
        _inner = inner;
        _time = time;
        _ahead = Channel.CreateBounded<TReceive>(new BoundedChannelOptions(depth) { SingleReader = true, SingleWriter = true });
        _ = PumpAsync(cancellationToken);
    }

    public string Peer => _inner.Peer;

    public Task SendAsync(TSend message, CancellationToken cancellationToken) => _inner.SendAsync(message, cancellationToken);

    public async Task<TReceive?> ReceiveAsync(CancellationToken cancellationToken) =>
        await _ahead.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false) && _ahead.Reader.TryRead(out var message) ? message : null;

    /// <summary>
    /// After the last answer: reads and drops what the other side still sends until it closes its half, so the call
    /// ends cleanly and the answer is not lost to a reset. Gives up after <paramref name="timeout"/>.
    /// </summary>
    public async Task DrainAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, _time);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            while (await ReceiveAsync(limit.Token).ConfigureAwait(false) is not null)
            {
            }
        }
        catch (Exception)
        {
            // The other side ended the call its own way, or did not close in time; the answer was already sent.
        }
    }

    private async Task PumpAsync(CancellationToken cancellationToken)
    {
        await Task.Yield();
        try
        {
            while (await _inner.ReceiveAsync(cancellationToken).ConfigureAwait(false) is { } message)
            {
                await _ahead.Writer.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }

            _ahead.Writer.TryComplete();
        }
        catch (Exception e)
        {
            _ahead.Writer.TryComplete(e);
        }
    }
}

using Grpc.Core;
using Sync.Core;

namespace Sync.Transport.Grpc;

/// <summary>
/// Bounds every wait on the other side by the idle timeout: a receive that gets nothing, or a send that cannot go
/// because the other side stopped reading (HTTP/2 flow control), for that long ends the sync with a failure that
/// says so. Whoever holds the one-sync gate is a peer, and a stalled peer must not hold it for ever. Only waits on
/// the peer count: while this side works (scans, publishes) nothing is pending here and no clock runs.
/// </summary>
internal sealed class IdleLimitedPeerStream<TSend, TReceive> : IPeerStream<TSend, TReceive>
    where TReceive : class
{
    private readonly IPeerStream<TSend, TReceive> _inner;
    private readonly TimeSpan _limit;
    private readonly TimeProvider _time;

    public IdleLimitedPeerStream(IPeerStream<TSend, TReceive> inner, TimeSpan limit, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(limit, TimeSpan.Zero);
        _inner = inner;
        _limit = limit;
        _time = time;
    }

    public string Peer => _inner.Peer;

    public TimeSpan Limit => _limit;

    public Task SendAsync(TSend message, CancellationToken cancellationToken) =>
        WithinAsync(
            async token =>
            {
                await _inner.SendAsync(message, token).ConfigureAwait(false);
                return true;
            },
            "took nothing (it stopped reading)",
            cancellationToken);

    public Task<TReceive?> ReceiveAsync(CancellationToken cancellationToken) => WithinAsync(_inner.ReceiveAsync, "sent nothing", cancellationToken);

    /// <summary>
    /// Waits for <paramref name="pending"/>, started earlier and not itself bounded, for at most the limit: for an
    /// answer that is received while this side is still sending.
    /// </summary>
    public async Task<T> WithinLimitAsync<T>(Task<T> pending, string silence, CancellationToken cancellationToken)
    {
        try
        {
            return await pending.WaitAsync(_limit, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw Stalled(silence);
        }
    }

    private async Task<T> WithinAsync<T>(Func<CancellationToken, Task<T>> operation, string silence, CancellationToken cancellationToken)
    {
        using var stalled = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = operation(stalled.Token);
        try
        {
            // WaitAsync, not only the token: a write blocked on flow control may not watch its token. The caller's
            // token reaches the operation itself, so a cancelled one ends with the operation's own exception.
            return await pending.WaitAsync(_limit, _time).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            _ = pending.ContinueWith(static t => t.Exception, TaskScheduler.Default); // abandoned with the sync
            try
            {
                stalled.Cancel();
            }
            catch (AggregateException)
            {
                // What the abandoned operation's cancellation threw; the sync ends below either way.
            }

            throw Stalled(silence);
        }
    }

    private SyncException Stalled(string silence)
    {
        var message = $"{Peer} {silence} for {_limit.TotalSeconds:F0} s; gave up on it";
        return new SyncException(SyncErrorKind.Failure, message, new RpcException(new Status(StatusCode.DeadlineExceeded, message)));
    }
}

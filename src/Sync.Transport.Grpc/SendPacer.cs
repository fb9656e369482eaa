namespace Sync.Transport.Grpc;

/// <summary>
/// Caps the rate the outside sends at (<c>--max-rate</c>), for a controlled endpoint whose link is shared with other
/// traffic. It delays each message until the bytes sent so far fit the rate since the first one, so the average
/// holds over the whole sync whatever the message sizes; HTTP/2 flow control still applies on top.
/// </summary>
public sealed class SendPacer
{
    private readonly double _bytesPerSecond;
    private readonly TimeProvider _time;
    private long _start;
    private long _bytes;

    public SendPacer(double bitsPerSecond, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bitsPerSecond);
        _bytesPerSecond = bitsPerSecond / 8;
        _time = time;
    }

    /// <summary>Waits until <paramref name="bytes"/> more may go without exceeding the rate.</summary>
    public async ValueTask WaitAsync(long bytes, CancellationToken cancellationToken)
    {
        if (_start == 0)
        {
            _start = _time.GetTimestamp();
        }

        // The message may leave once the ones before it have had their time.
        var due = TimeSpan.FromSeconds(_bytes / _bytesPerSecond) - _time.GetElapsedTime(_start);
        _bytes += bytes;
        if (due > TimeSpan.FromMilliseconds(1))
        {
            await Task.Delay(due, _time, cancellationToken).ConfigureAwait(false);
        }
    }
}

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? The pacer's arithmetic: a dual token bucket in timestamp ticks (Stopwatch resolution).
/// The main bucket fills at the configured rate and keeps up to <c>maxCredit</c> seconds of credit across stalls
/// (a late thread wake-up, a slow disk read), so the long-run rate holds; unlike udpcast it does not throw credit
/// away. A second bucket, filling at <c>peakFactor</c> times the rate and holding only <c>burst</c> bytes, caps how
/// fast that credit is spent: catching up never sends more than <c>burst</c> bytes back to back (the sender makes that
/// a few of its bursts or a millisecond of the rate, so a thread that wakes late can send what it owes in one go).
/// Not thread-safe: owned by the send thread. Time is passed in, so tests drive it with a fake clock.
/// </summary>
internal sealed class TokenBucket
{
    private readonly double _bytesPerTick;
    private readonly double _peakBytesPerTick;
    private readonly double _capacity;
    private readonly double _burst;
    private readonly double _bytesPerSecond;
    private readonly double _peakFactor;
    private double _tokens;
    private double _peakTokens;
    private long _last;

    public TokenBucket(double bytesPerSecond, long ticksPerSecond, int burstBytes, double maxCreditSeconds, double peakFactor, long now)
    {
        if (bytesPerSecond <= 0 || ticksPerSecond <= 0 || burstBytes <= 0 || maxCreditSeconds < 0 || peakFactor < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(bytesPerSecond), "token bucket needs a positive rate and burst, and peak factor >= 1");
        }

        _bytesPerSecond = bytesPerSecond;
        _peakFactor = peakFactor;
        _bytesPerTick = bytesPerSecond / ticksPerSecond;
        _peakBytesPerTick = _bytesPerTick * peakFactor;
        _burst = burstBytes;
        _capacity = Math.Max(burstBytes, bytesPerSecond * maxCreditSeconds);
        _tokens = burstBytes;
        _peakTokens = burstBytes;
        _last = now;
    }

    /// <summary>Whether this bucket was made with these settings (its credit may pass on to a session that asks for them).</summary>
    public bool Paces(double bytesPerSecond, long ticksPerSecond, int burstBytes, double maxCreditSeconds, double peakFactor) =>
        _bytesPerSecond == bytesPerSecond && _bytesPerTick == bytesPerSecond / ticksPerSecond && _burst == burstBytes &&
        _capacity == Math.Max(burstBytes, bytesPerSecond * maxCreditSeconds) && _peakFactor == peakFactor;

    /// <summary>
    /// Continues from <paramref name="now"/> with the credit held when it was last used: the time in between (a
    /// session's set-up, the link idle between objects) earns nothing, so only the sender's own lateness carries over.
    /// </summary>
    public void Resume(long now) => _last = now;

    /// <summary>Ticks to wait from <paramref name="now"/> before <paramref name="bytes"/> may be sent; 0 means now.</summary>
    public long Delay(int bytes, long now)
    {
        Refill(now);
        double wait = Math.Max((bytes - _tokens) / _bytesPerTick, (bytes - _peakTokens) / _peakBytesPerTick);
        return wait <= 0 ? 0 : (long)Math.Ceiling(wait);
    }

    /// <summary>Spends <paramref name="bytes"/> of credit (call after <see cref="Delay"/> returned 0).</summary>
    public void Consume(int bytes, long now)
    {
        Refill(now);
        _tokens -= bytes;
        _peakTokens -= bytes;
    }

    private void Refill(long now)
    {
        long elapsed = now - _last;
        if (elapsed <= 0)
        {
            return;
        }

        _last = now;
        _tokens = Math.Min(_capacity, _tokens + elapsed * _bytesPerTick);
        _peakTokens = Math.Min(_burst, _peakTokens + elapsed * _peakBytesPerTick);
    }
}

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? The pacer's token bucket handed from one send session to the next of the same sender. A stream
/// sent in parts runs one session per part; a bucket per session threw away, at every part's end, the credit the
/// send thread had fallen behind by (20-100 ms per part while the emit, the encoder and a co-located receiver shared
/// the cores), and the link lost that time for good. The next session takes the bucket over with that credit,
/// frozen in between (<see cref="TokenBucket.Resume"/>). Thread-safe: sessions that overlap each get their own.
/// </summary>
internal sealed class PacerCredit
{
    private TokenBucket? _kept;

    /// <summary>The kept bucket when it paces at these settings, resumed at <paramref name="now"/>; otherwise a new one.</summary>
    public TokenBucket Take(double bytesPerSecond, long ticksPerSecond, int burstBytes, double maxCreditSeconds, double peakFactor, long now)
    {
        TokenBucket? kept = Interlocked.Exchange(ref _kept, null);
        if (kept is not null && kept.Paces(bytesPerSecond, ticksPerSecond, burstBytes, maxCreditSeconds, peakFactor))
        {
            kept.Resume(now);
            return kept;
        }

        return new TokenBucket(bytesPerSecond, ticksPerSecond, burstBytes, maxCreditSeconds, peakFactor, now);
    }

    /// <summary>Keeps <paramref name="bucket"/> for the next session (a session ends its sending before it returns it).</summary>
    public void Return(TokenBucket bucket) => Volatile.Write(ref _kept, bucket);
}

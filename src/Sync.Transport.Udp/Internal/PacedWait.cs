namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? The send thread's wait for the pacer: until the <see cref="TokenBucket"/> allows the next bytes, a
/// millisecond sleep for long waits, a precise sleep (where the thread could lower its timer slack) for waits well
/// above its wake-up latency, a yield for shorter ones, and a spin only for the last few microseconds. A late wake-up
/// costs nothing in the long run: the bucket keeps the credit and spends it at the catch-up rate. Owned by one thread.
/// </summary>
internal sealed class PacedWait
{
    private readonly TokenBucket _bucket;
    private readonly TimeProvider _time;
    private readonly bool _canSleep;
    private readonly long _spinBelow;
    private readonly long _sleepAbove;
    private readonly long _wakeLatency;
    private readonly long _yieldBelow;
    private readonly double _nanosecondsPerTick;

    /// <summary>Paces the calling thread, which from now on sleeps with a lowered timer slack where Linux allows it.</summary>
    public PacedWait(TokenBucket bucket, TimeProvider time)
    {
        _bucket = bucket;
        _time = time;
        _canSleep = PreciseSleep.TryEnableForCurrentThread();
        long frequency = time.TimestampFrequency;
        _spinBelow = frequency / 50_000;
        _sleepAbove = frequency / 10_000;
        _wakeLatency = frequency * 60 / 1_000_000;
        _yieldBelow = frequency / 500;
        _nanosecondsPerTick = 1e9 / frequency;
    }

    /// <summary>Returns once <paramref name="wireBytes"/> may go, and spends them.</summary>
    public void Wait(int wireBytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            long now = _time.GetTimestamp();
            long delay = _bucket.Delay(wireBytes, now);
            if (delay == 0)
            {
                _bucket.Consume(wireBytes, now);
                return;
            }

            if (delay > _yieldBelow)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Thread.Sleep(1);
            }
            else if (_canSleep && delay > _sleepAbove)
            {
                PreciseSleep.Sleep((long)((delay - _wakeLatency) * _nanosecondsPerTick));
            }
            else if (delay > _spinBelow)
            {
                Thread.Yield();
            }
            else
            {
                Thread.SpinWait(20);
            }
        }
    }
}

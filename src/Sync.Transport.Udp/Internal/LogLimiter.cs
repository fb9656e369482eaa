namespace Sync.Transport.Udp.Internal;

/// <summary>What the receiver warns about at most once per interval each (see <see cref="LogLimiter"/>).</summary>
internal enum LogKind
{
    AnnounceRejected,
    Fault,
    ForeignVersion,
    SessionNotAdmitted,
    SessionEvicted,
}

/// <summary>
/// Keeps the receiver's warnings about what the network sends it to one line per kind per interval: a flood of forged
/// or foreign packets costs a counter increment each, never a log line each. The first occurrence is logged at once;
/// later ones within the interval are counted, and the count goes with the next line of that kind (or with a summary
/// line once the interval is over). Thread-safe: the decode loop and completion tasks share it.
/// </summary>
internal sealed class LogLimiter(TimeProvider time, TimeSpan interval)
{
    private static readonly int Kinds = Enum.GetValues<LogKind>().Length;

    private readonly long[] _nextAt = new long[Kinds];
    private readonly long[] _suppressed = new long[Kinds];
    private readonly long _intervalTicks = Math.Max(1, (long)(interval.TotalSeconds * time.TimestampFrequency));
    private readonly Lock _lock = new();

    public TimeSpan Interval => interval;

    /// <summary>True when a line of <paramref name="kind"/> may be written now; <paramref name="suppressed"/> is how many were held back before it.</summary>
    public bool Allow(LogKind kind, out long suppressed)
    {
        long now = time.GetTimestamp();
        lock (_lock)
        {
            int k = (int)kind;
            if (_nextAt[k] != 0 && now < _nextAt[k])
            {
                _suppressed[k]++;
                suppressed = 0;
                return false;
            }

            _nextAt[k] = now + _intervalTicks;
            suppressed = _suppressed[k];
            _suppressed[k] = 0;
            return true;
        }
    }

    /// <summary>Hands every kind whose interval is over with occurrences held back to <paramref name="write"/> (kind, count), and starts its next interval.</summary>
    public void FlushSuppressed(Action<LogKind, long> write)
    {
        long now = time.GetTimestamp();
        List<(LogKind, long)>? due = null;
        lock (_lock)
        {
            for (int k = 0; k < Kinds; k++)
            {
                if (_suppressed[k] > 0 && now >= _nextAt[k])
                {
                    (due ??= []).Add(((LogKind)k, _suppressed[k]));
                    _suppressed[k] = 0;
                    _nextAt[k] = now + _intervalTicks;
                }
            }
        }

        foreach ((LogKind kind, long count) in due ?? [])
        {
            write(kind, count);
        }
    }
}

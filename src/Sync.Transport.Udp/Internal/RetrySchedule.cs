using System.Collections.Concurrent;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Sessions that failed (not admitted, files failing, hand-over failing) and are left alone for a while rather than
/// failing again on every packet. Written by the decode loop and by completion tasks, so it is concurrent.
/// </summary>
internal sealed class RetrySchedule(TimeProvider time)
{
    public static readonly TimeSpan After = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<ulong, long> _retryAt = new();

    /// <summary>Leaves the session alone for <see cref="After"/> from now.</summary>
    public void Defer(ulong id) => _retryAt[id] = time.GetTimestamp() + Ticks(time, After);

    public bool IsWaiting(ulong id) => _retryAt.TryGetValue(id, out long retryAt) && time.GetTimestamp() < retryAt;

    /// <summary>Forgets the sessions whose wait is over at <paramref name="now"/>.</summary>
    public void Expire(long now)
    {
        foreach ((ulong id, long retryAt) in _retryAt)
        {
            if (retryAt <= now)
            {
                _retryAt.TryRemove(id, out _);
            }
        }
    }

    /// <summary><paramref name="span"/> in the ticks of <paramref name="time"/>'s timestamps.</summary>
    public static long Ticks(TimeProvider time, TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);
}

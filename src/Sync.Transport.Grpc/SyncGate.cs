using Microsoft.Extensions.Logging;

namespace Sync.Transport.Grpc;

/// <summary>
/// Admits one sync at a time into an agent's state. A caller that finds it held waits, up to a short bound, for the
/// holder to finish: a peer that died mid-sync leaves a session that takes a moment to close (the inside keeps what
/// arrived for a resume), and its successor should not be told "busy" for that. A live sync outlasts the bound, and
/// the caller is then told who holds the gate; two syncs never interleave. Waiters are woken the moment the gate is
/// released, and only a few may wait at once: the rest are answered busy at once, so waiting costs nothing unbounded.
/// </summary>
public sealed class SyncGate
{
    /// <summary>Callers that may wait for the gate at once.</summary>
    public const int MaxWaiting = 4;

    private readonly object _lock = new();
    private readonly TimeSpan _wait;
    private readonly TimeProvider _time;
    private string? _holder;
    private int _waiting;
    private long _releasedAt;
    private TaskCompletionSource? _released;

    /// <param name="wait">How long a caller waits for the holder to finish before it is told busy; zero: not at all.</param>
    public SyncGate(TimeSpan wait, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(wait, TimeSpan.Zero);
        _wait = wait;
        _time = time;
    }

    /// <summary>A gate that answers busy at once: for a process that runs one sync itself (push, pull).</summary>
    public static SyncGate Private(TimeProvider time) => new(TimeSpan.Zero, time);

    /// <summary>Who holds the gate and since when, for the busy message.</summary>
    public string Holder
    {
        get
        {
            lock (_lock)
            {
                return _holder ?? "nobody";
            }
        }
    }

    /// <summary>The gate, held until disposed; null when another sync still held it after the wait.</summary>
    public async Task<Entry?> EnterAsync(string who, CancellationToken cancellationToken)
    {
        var start = _time.GetTimestamp();
        Task released;
        lock (_lock)
        {
            if (TryTake(who, start, waited: false) is { } entry)
            {
                return entry;
            }

            if (_wait <= TimeSpan.Zero || _waiting >= MaxWaiting)
            {
                return null;
            }

            _waiting++;
            released = (_released ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }

        try
        {
            while (true)
            {
                var left = _wait - _time.GetElapsedTime(start);
                if (left <= TimeSpan.Zero)
                {
                    return null;
                }

                try
                {
                    await released.WaitAsync(left, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    return null;
                }

                lock (_lock)
                {
                    if (TryTake(who, start, waited: true) is { } entry)
                    {
                        return entry;
                    }

                    // Another waiter was quicker: wait for its release in turn.
                    released = (_released ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                }
            }
        }
        finally
        {
            lock (_lock)
            {
                _waiting--;
            }
        }
    }

    private Entry? TryTake(string who, long start, bool waited)
    {
        if (_holder is not null)
        {
            return null;
        }

        _holder = $"{who} (since {_time.GetUtcNow():HH:mm:ss} UTC)";
        return waited ? new Entry(this, _time.GetElapsedTime(start), _time.GetElapsedTime(_releasedAt)) : new Entry(this, TimeSpan.Zero, null);
    }

    private void Release()
    {
        TaskCompletionSource? released;
        lock (_lock)
        {
            _holder = null;
            _releasedAt = _time.GetTimestamp();
            released = _released;
            _released = null;
        }

        released?.TrySetResult();
    }

    /// <summary>The held gate: disposing releases it and wakes whoever waits.</summary>
    public sealed class Entry : IDisposable
    {
        private readonly SyncGate _gate;
        private int _done;

        internal Entry(SyncGate gate, TimeSpan waited, TimeSpan? sinceRelease)
        {
            _gate = gate;
            Waited = waited;
            SinceRelease = sinceRelease;
        }

        /// <summary>How long the caller waited for the previous holder.</summary>
        public TimeSpan Waited { get; }

        /// <summary>After a wait: how long after the previous holder released the gate this caller had it.</summary>
        public TimeSpan? SinceRelease { get; }

        /// <summary>One line when the caller had to wait (typically while a dead peer's session closed).</summary>
        public void LogWait(ILogger logger, string peer)
        {
            if (SinceRelease is { } since)
            {
                GrpcLog.WaitedForPreviousSync(logger, peer, Waited.TotalSeconds, since.TotalMilliseconds);
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                _gate.Release();
            }
        }
    }
}

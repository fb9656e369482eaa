namespace Sync.Transport.Grpc;

/// <summary>
/// Admits one sync at a time into an agent's state, without queueing: a second caller is told who holds it, so
/// two pushers never interleave and neither waits on a lock it cannot see.
/// </summary>
public sealed class SyncGate
{
    private readonly object _lock = new();
    private string? _holder;

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

    /// <summary>The gate, held until disposed; null when another sync holds it.</summary>
    public IDisposable? TryEnter(string who, TimeProvider time)
    {
        lock (_lock)
        {
            if (_holder is not null)
            {
                return null;
            }

            _holder = $"{who} (since {time.GetUtcNow():HH:mm:ss} UTC)";
            return new Release(this);
        }
    }

    private sealed class Release(SyncGate gate) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                lock (gate._lock)
                {
                    gate._holder = null;
                }
            }
        }
    }
}

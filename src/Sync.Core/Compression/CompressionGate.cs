namespace Sync.Core.Compression;

/// <summary>
/// Bounds the compressions that run at once, by count (one per core: each is single-threaded CPU work) and by the
/// memory they are estimated to take (<see cref="CompressionMemory"/>). A compression larger than the whole budget
/// still runs, alone. Thread-safe; waiters are served one at a time, so two cannot each hold half of what both need.
/// </summary>
public sealed class CompressionGate : IDisposable
{
    private readonly SemaphoreSlim _slots;
    private readonly SemaphoreSlim _admission = new(1, 1);
    private readonly object _lock = new();
    private readonly long _budget;
    private long _inUse;
    private TaskCompletionSource? _released;

    public CompressionGate(int parallelism, long memoryBudget)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(parallelism, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(memoryBudget, 1);
        Parallelism = parallelism;
        _budget = memoryBudget;
        _slots = new SemaphoreSlim(parallelism, parallelism);
    }

    /// <summary>The default bound: one per core, at most a quarter of the memory the process may use (and 1 GiB).</summary>
    public static CompressionGate ForMachine() =>
        new(Environment.ProcessorCount, Math.Clamp(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4, 256L << 20, 1L << 30));

    public int Parallelism { get; }

    /// <summary>The most memory the running compressions were estimated to hold at once (for tests and logs).</summary>
    public long PeakInUse { get; private set; }

    /// <summary>Waits for a slot and for <paramref name="memory"/> bytes of the budget; dispose the result to give them back.</summary>
    public async Task<IDisposable> EnterAsync(long memory, CancellationToken cancellationToken)
    {
        var weight = Math.Clamp(memory, 0, _budget);
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _admission.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                while (true)
                {
                    Task wait;
                    lock (_lock)
                    {
                        if (_inUse + weight <= _budget)
                        {
                            _inUse += weight;
                            PeakInUse = Math.Max(PeakInUse, _inUse);
                            return new Lease(this, weight);
                        }

                        _released ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        wait = _released.Task;
                    }

                    await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                _admission.Release();
            }
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    public void Dispose()
    {
        _slots.Dispose();
        _admission.Dispose();
    }

    private void Leave(long weight)
    {
        TaskCompletionSource? released;
        lock (_lock)
        {
            _inUse -= weight;
            released = _released;
            _released = null;
        }

        released?.TrySetResult();
        _slots.Release();
    }

    private sealed class Lease(CompressionGate gate, long weight) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                gate.Leave(weight);
            }
        }
    }
}

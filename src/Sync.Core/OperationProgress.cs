namespace Sync.Core;

/// <summary>
/// Counters a long operation bumps from any thread and a terminal renderer polls; lock-free, allocation-free.
/// </summary>
public sealed class OperationProgress
{
    private long _bytesDone;
    private long _bytesTotal;
    private long _itemsDone;
    private long _itemsTotal;
    private volatile string _phase = string.Empty;

    public string Phase => _phase;

    public long BytesDone => Interlocked.Read(ref _bytesDone);

    public long BytesTotal => Interlocked.Read(ref _bytesTotal);

    public long ItemsDone => Interlocked.Read(ref _itemsDone);

    public long ItemsTotal => Interlocked.Read(ref _itemsTotal);

    public void StartPhase(string phase, long bytesTotal = 0, long itemsTotal = 0)
    {
        Interlocked.Exchange(ref _bytesDone, 0);
        Interlocked.Exchange(ref _itemsDone, 0);
        Interlocked.Exchange(ref _bytesTotal, bytesTotal);
        Interlocked.Exchange(ref _itemsTotal, itemsTotal);
        _phase = phase;
    }

    public void AddBytes(long bytes) => Interlocked.Add(ref _bytesDone, bytes);

    public void AddItems(long items = 1) => Interlocked.Add(ref _itemsDone, items);

    public void AddTotals(long bytes, long items)
    {
        Interlocked.Add(ref _bytesTotal, bytes);
        Interlocked.Add(ref _itemsTotal, items);
    }
}

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// The batches the receive thread fills and the decode loop releases. While datagrams flow it keeps every batch
/// released, however many the decode loop held at its deepest: a batch dropped and made again is a large array taken
/// from fresh memory on the receive thread, whose page faults then cost more than the copy into it (8-20 % of all CPU
/// samples in profiles at 4 Gbit/s asked with jumbo frames, the decode loop behind). The socket going quiet trims it.
/// A lock, taken once per batch by two threads at most; the batch reused is the one released last, whose buffer is
/// most likely still in cache.
/// </summary>
internal sealed class ReceivedBatchPool
{
    /// <summary>Batches kept once the socket is quiet.</summary>
    public const int IdleKeep = 32;

    private readonly Stack<ReceivedBatch> _batches = new();

    public int Count
    {
        get
        {
            lock (_batches)
            {
                return _batches.Count;
            }
        }
    }

    /// <summary>An empty batch, reused when one is free.</summary>
    public ReceivedBatch Rent()
    {
        lock (_batches)
        {
            return _batches.TryPop(out ReceivedBatch? batch) ? batch : ReceivedBatch.Create(this);
        }
    }

    public void Return(ReceivedBatch batch)
    {
        lock (_batches)
        {
            _batches.Push(batch);
        }
    }

    /// <summary>Lets the batches beyond <paramref name="keep"/> go to the GC (the least recently used ones).</summary>
    public void TrimTo(int keep)
    {
        lock (_batches)
        {
            if (_batches.Count <= keep)
            {
                return;
            }

            ReceivedBatch[] recent = [.. _batches.Take(keep)];
            _batches.Clear();
            for (int i = recent.Length - 1; i >= 0; i--)
            {
                _batches.Push(recent[i]);
            }
        }
    }
}

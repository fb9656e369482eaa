namespace Sync.Transport.Udp.Internal;

/// <summary>
/// A set that forgets its oldest members beyond a capacity: for what the receiver remembers about sessions and
/// tickets a forger can name at will, so the memory stays bounded whatever arrives. Not thread-safe.
/// </summary>
internal sealed class BoundedSet<T>(int capacity)
    where T : notnull
{
    private readonly HashSet<T> _members = [];
    private readonly Queue<T> _order = new();

    public int Count => _members.Count;

    public bool Contains(T item) => _members.Contains(item);

    public void Add(T item)
    {
        if (!_members.Add(item))
        {
            return;
        }

        _order.Enqueue(item);
        while (_members.Count > capacity)
        {
            _members.Remove(_order.Dequeue());
        }
    }

    public void Remove(T item)
    {
        // The queue keeps its entry; dequeuing an absent member later is a no-op.
        _members.Remove(item);
    }
}

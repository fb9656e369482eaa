using System.Buffers;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? Symbols that arrived before their session's announce, kept for a short while so the announce can
/// still put them to use. Without it a lost announce costs every symbol up to the next one: for a pass shorter
/// than the announce interval, the whole pass. Bounded in bytes and in age; what falls out was never announced in
/// time and is counted as such by the caller. Owned by the decode loop (not thread-safe).
/// </summary>
internal sealed class EarlySymbolHold
{
    private readonly Queue<Held> _held = new();
    private readonly long _maxBytes;
    private readonly long _maxAgeTicks;
    private long _bytes;

    /// <param name="maxBytes">Datagram bytes held at most, over all sessions; the oldest go first.</param>
    /// <param name="maxAgeTicks">How long a symbol waits for its announce, in <see cref="TimeProvider"/> timestamp ticks.</param>
    public EarlySymbolHold(long maxBytes, long maxAgeTicks)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        ArgumentOutOfRangeException.ThrowIfNegative(maxAgeTicks);
        _maxBytes = maxBytes;
        _maxAgeTicks = maxAgeTicks;
    }

    public int Count => _held.Count;

    public long Bytes => _bytes;

    /// <summary>Copies <paramref name="packet"/> in. Returns how many older symbols it pushed out (or 1 if it does not fit at all).</summary>
    public int Hold(in ReceivedPacket packet, long now)
    {
        if (packet.Length > _maxBytes)
        {
            return 1;
        }

        int dropped = Expire(now);
        while (_bytes + packet.Length > _maxBytes)
        {
            Drop(_held.Dequeue());
            dropped++;
        }

        byte[] copy = ArrayPool<byte>.Shared.Rent(packet.Length);
        packet.Buffer.AsSpan(packet.Offset, packet.Length).CopyTo(copy);
        _held.Enqueue(new Held(packet.Header, copy, packet.Length, now));
        _bytes += packet.Length;
        return dropped;
    }

    /// <summary>Drops what has waited longer than the age limit; returns how many.</summary>
    public int Expire(long now)
    {
        int dropped = 0;
        while (_held.TryPeek(out Held oldest) && now - oldest.ArrivedAt > _maxAgeTicks)
        {
            Drop(_held.Dequeue());
            dropped++;
        }

        return dropped;
    }

    /// <summary>
    /// Hands the held symbols of <paramref name="sessionId"/>, oldest first, to <paramref name="use"/> until it
    /// returns false, and forgets them all; the rest stay held in their order. Returns how many were forgotten.
    /// </summary>
    public int Release<TState>(ulong sessionId, TState state, Func<TState, ReceivedPacket, bool> use) => Remove(sessionId, state, use);

    /// <summary>Forgets the held symbols of <paramref name="sessionId"/>; returns how many.</summary>
    public int Discard(ulong sessionId) => Remove<object?>(sessionId, null, null);

    private int Remove<TState>(ulong sessionId, TState state, Func<TState, ReceivedPacket, bool>? use)
    {
        int count = _held.Count;
        int removed = 0;
        for (int i = 0; i < count; i++)
        {
            Held held = _held.Dequeue();
            if (held.Header.SessionId != sessionId)
            {
                _held.Enqueue(held);
                continue;
            }

            if (use is not null && !use(state, new ReceivedPacket(held.Header, held.Bytes, 0, held.Length)))
            {
                use = null;
            }

            Drop(held);
            removed++;
        }

        return removed;
    }

    private void Drop(Held held)
    {
        _bytes -= held.Length;
        ArrayPool<byte>.Shared.Return(held.Bytes);
    }

    private readonly record struct Held(PacketHeader Header, byte[] Bytes, int Length, long ArrivedAt);
}

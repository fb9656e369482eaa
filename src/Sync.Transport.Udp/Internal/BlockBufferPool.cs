namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? The receiver's spare block buffers (the write-behind's and the rebuild's, each one whole block of
/// over 1 MiB), kept from one session to the next. A stream sent in parts opens a session per part with the same
/// block size, and a GF(2^16) block is tens of MB: fresh arrays for every session cost the kernel's first touch of
/// their pages and the collector's time, on the cores the receive thread needs (with jumbo frames the inside spent
/// more than twice the system time of GF(2^8) on it, and its socket buffer overflowed). Spares are matched by exact
/// length, bounded in bytes (the oldest go first), and dropped when no session is open. Thread-safe: a session's
/// buffers go back when it is disposed, which may happen off the decode loop.
/// </summary>
internal sealed class BlockBufferPool(long maxSpareBytes)
{
    /// <summary>A write-behind's worth (<see cref="DataWriteBehind.MaxBytes"/>) and one GF(2^16) rebuild buffer.</summary>
    public const long DefaultMaxSpareBytes = DataWriteBehind.MaxBytes + (32L << 20);

    private readonly Lock _gate = new();
    private readonly List<byte[]> _spares = [];
    private long _spareBytes;

    public BlockBufferPool()
        : this(DefaultMaxSpareBytes)
    {
    }

    /// <summary>Bytes held as spares now.</summary>
    public long SpareBytes
    {
        get
        {
            lock (_gate)
            {
                return _spareBytes;
            }
        }
    }

    /// <summary>A buffer of exactly <paramref name="length"/> bytes, a spare when one fits (its contents are stale).</summary>
    public byte[] Rent(int length)
    {
        lock (_gate)
        {
            for (int i = _spares.Count - 1; i >= 0; i--)
            {
                if (_spares[i].Length == length)
                {
                    byte[] spare = _spares[i];
                    _spares.RemoveAt(i);
                    _spareBytes -= length;
                    return spare;
                }
            }
        }

        return GC.AllocateUninitializedArray<byte>(length);
    }

    /// <summary>Keeps <paramref name="buffer"/> for the next session, dropping the oldest spares past the bound.</summary>
    public void Return(byte[] buffer)
    {
        if (buffer.Length > maxSpareBytes)
        {
            return;
        }

        lock (_gate)
        {
            _spares.Add(buffer);
            _spareBytes += buffer.Length;
            while (_spareBytes > maxSpareBytes)
            {
                _spareBytes -= _spares[0].Length;
                _spares.RemoveAt(0);
            }
        }
    }

    /// <summary>Drops every spare: an idle receiver holds no block memory.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _spares.Clear();
            _spareBytes = 0;
        }
    }
}

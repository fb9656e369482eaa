using Microsoft.Extensions.Logging;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// The receiver's open sessions: the sessions themselves, their memory bounds (<see cref="SessionTable"/>), those
/// being closed (a closed session's files are not free for a reopen until its last checkpoint is written), and the FEC
/// margins of sessions already handed over, so the stats cover them too. Owned by the decode loop.
/// </summary>
internal sealed class OpenSessions(SessionTable table, ILogger logger) : IAsyncDisposable
{
    private readonly Dictionary<ulong, ReceiveSession> _active = [];
    private readonly Dictionary<ulong, Task> _closing = [];
    private (long Blocks, long Sum, long Min) _closedMargins = (0, 0, long.MaxValue);

    public SessionTable Table => table;

    public bool TryGet(ulong id, out ReceiveSession session) => _active.TryGetValue(id, out session!);

    public bool Contains(ulong id) => _active.ContainsKey(id);

    public void Add(ReceiveSession session, long stateBytes, long now)
    {
        ulong id = session.Info.SessionId;
        _active[id] = session;
        table.Add(id, stateBytes, now);
    }

    /// <summary>Takes a session out to hand its object over; its FEC margins stay in the stats.</summary>
    public void Remove(ReceiveSession session)
    {
        ulong id = session.Info.SessionId;
        _active.Remove(id);
        table.Remove(id);
        (long blocks, long sum, long min) = session.Margins();
        if (blocks > 0)
        {
            _closedMargins = (_closedMargins.Blocks + blocks, _closedMargins.Sum + sum, Math.Min(_closedMargins.Min, min));
        }
    }

    /// <summary>Closes a session whose files failed (its spool stays); false when it was not open.</summary>
    public bool Close(ulong id)
    {
        if (!_active.Remove(id, out ReceiveSession? session))
        {
            return false;
        }

        table.Remove(id);
        _closing[id] = CloseAsync(session);
        return true;
    }

    /// <summary>Closes the least recently active sessions until one needing <paramref name="stateBytes"/> fits; returns their ids.</summary>
    public List<ulong> MakeRoom(long stateBytes)
    {
        var closed = new List<ulong>();
        foreach (ulong victim in table.MakeRoom(stateBytes))
        {
            if (_active.Remove(victim, out ReceiveSession? session))
            {
                _closing[victim] = CloseAsync(session);
                closed.Add(victim);
            }
        }

        return closed;
    }

    /// <summary>Whether the session is still being closed (its files are not free for a reopen yet).</summary>
    public bool IsClosing(ulong id)
    {
        if (!_closing.TryGetValue(id, out Task? closing))
        {
            return false;
        }

        if (!closing.IsCompleted)
        {
            return true;
        }

        _closing.Remove(id);
        return false;
    }

    /// <summary>A copy of the open sessions, for a loop that may close some of them.</summary>
    public KeyValuePair<ulong, ReceiveSession>[] Snapshot() => [.. _active];

    /// <summary>Forgets the closes that have finished.</summary>
    public void PruneClosed()
    {
        foreach (ulong id in _closing.Where(c => c.Value.IsCompleted).Select(c => c.Key).ToArray())
        {
            _closing.Remove(id);
        }
    }

    /// <summary>Blocks done and pending, open sessions and FEC margins, for the receiver's stats.</summary>
    public void PublishTo(UdpReceiverStats stats)
    {
        long done = 0, pending = 0;
        (long marginBlocks, long marginSum, long marginMin) = _closedMargins;
        foreach (ReceiveSession session in _active.Values)
        {
            done += session.BlocksDone;
            pending += session.Layout.BlockCount - session.BlocksDone;
            (long blocks, long sum, long min) = session.Margins();
            if (blocks > 0)
            {
                marginBlocks += blocks;
                marginSum += sum;
                marginMin = Math.Min(marginMin, min);
            }
        }

        Volatile.Write(ref stats._blocksComplete, done);
        Volatile.Write(ref stats._blocksPending, pending);
        Volatile.Write(ref stats._sessionsActive, _active.Count);
        if (marginBlocks > 0)
        {
            Volatile.Write(ref stats._marginMin, marginMin);
            Volatile.Write(ref stats._marginSumMilli, marginSum * 1000 / marginBlocks);
        }
    }

    /// <summary>Checkpoints and closes every open session, then waits for the closes in flight.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (ReceiveSession session in _active.Values)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }

        _active.Clear();
        await Task.WhenAll(_closing.Values).ConfigureAwait(false);
    }

    private async Task CloseAsync(ReceiveSession session)
    {
        try
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            UdpLog.CheckpointFailed(logger, e, session.Info.SessionId);
        }
    }
}

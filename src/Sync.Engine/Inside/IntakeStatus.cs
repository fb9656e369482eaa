using Sync.Core;
using Sync.Core.Apply;

namespace Sync.Engine.Inside;

/// <summary>
/// The inside's record of its carriers' work, kept in status.json for `sync-inside status`: the streams applied (so
/// one offered again is skipped, also once its key is retired), what waits (the last round's lines, plus generations a
/// carrier knows of but does not hold yet), and what was refused in this run. Thread-safe: the UDP receiver's decode
/// loop and its apply loop both report here. Every <see cref="Write"/> replaces the file atomically.
/// </summary>
public sealed class IntakeStatus
{
    /// <summary>Streams remembered as applied: the newest ones, so an old bundle left in a folder is still skipped.</summary>
    private const int AppliedKept = 1000;

    /// <summary>Refusals listed: the newest ones (a forger on a diode can cause many).</summary>
    private const int RefusedKept = 100;

    /// <summary>Generations announced but not held, listed: as many as the UDP inbox keeps.</summary>
    private const int NotHeldKept = 16;

    private readonly object _lock = new();
    private readonly InsideState _state;
    private readonly TimeProvider _time;
    private readonly List<string> _applied;
    private readonly HashSet<string> _appliedSet;
    private readonly List<StatusNote> _refused = [];
    private readonly Dictionary<string, StatusNote> _notHeld = new(StringComparer.Ordinal);
    private List<StatusNote> _pending = [];

    internal IntakeStatus(InsideState state, TimeProvider time)
    {
        _state = state;
        _time = time;
        _applied = [.. state.ReadStatus()?.Applied ?? []];
        _appliedSet = new HashSet<string>(_applied, StringComparer.Ordinal);
    }

    public bool WasApplied(string streamIdHex)
    {
        lock (_lock)
        {
            RememberPublished();
            return _appliedSet.Contains(streamIdHex);
        }
    }

    /// <summary>Whether a stream whose id starts with <paramref name="prefix"/> was applied.</summary>
    public bool WasAppliedWithPrefix(string prefix)
    {
        lock (_lock)
        {
            RememberPublished();
            return _applied.Exists(id => id.StartsWith(prefix, StringComparison.Ordinal));
        }
    }

    /// <summary>Lists a refusal (once), until the next run.</summary>
    public void Refuse(string line, RefusalKind kind = RefusalKind.Other) => Refuse(StatusNote.Refused(kind, line));

    /// <summary>Lists a refusal (once, by its line), until the next run.</summary>
    public void Refuse(StatusNote note)
    {
        lock (_lock)
        {
            if (_refused.Exists(n => n.Reason == note.Reason))
            {
                return;
            }

            _refused.Add(note);
            if (_refused.Count > RefusedKept)
            {
                _refused.RemoveAt(0);
            }
        }
    }

    /// <summary>
    /// Lists, as pending until it is held or a newer generation is published, a generation a carrier knows of but does
    /// not hold (a UDP session announced but not collected). False when the list is full.
    /// </summary>
    public bool NotHeld(string streamIdHex, long generation, string line)
    {
        lock (_lock)
        {
            if (_notHeld.Count >= NotHeldKept && !_notHeld.ContainsKey(streamIdHex))
            {
                return false;
            }

            _notHeld[streamIdHex] = StatusNote.Pending(PendingKind.NotCollected, line, generation);
            return true;
        }
    }

    /// <summary>The carrier holds it now (or gave up on it): no longer listed as announced.</summary>
    public void Held(string streamIdHex)
    {
        lock (_lock)
        {
            _notHeld.Remove(streamIdHex);
        }
    }

    /// <summary>Replaces what waits (one note each); <see cref="Write"/> makes it visible.</summary>
    public void SetPending(IEnumerable<StatusNote> notes)
    {
        lock (_lock)
        {
            _pending = [.. notes];
        }
    }

    public void Write()
    {
        lock (_lock)
        {
            RememberPublished();
            var published = _state.Published.Generation;
            List<StatusNote> pending = [.. _pending, .. _notHeld.Values.Where(n => n.Generation > published)];
            _state.WriteStatus(new ImportStatus(_time.GetUtcNow(), [.. _applied], [.. pending.Select(n => n.Reason)], [.. _refused.Select(n => n.Reason)])
            {
                PendingNotes = pending,
                RefusedNotes = [.. _refused],
            });
        }
    }

    /// <summary>Records a published stream: nothing waits for what came before it.</summary>
    internal void RecordApplied(string streamIdHex)
    {
        lock (_lock)
        {
            _notHeld.Remove(streamIdHex);
            _pending = [];
            Remember(streamIdHex);
            Write();
        }
    }

    /// <summary>The published stream counts as applied, also when a crashed run's journal was finished just now.</summary>
    private void RememberPublished()
    {
        if (_state.Published.StreamId.Length > 0)
        {
            Remember(_state.Published.StreamId);
        }
    }

    private void Remember(string streamIdHex)
    {
        if (_appliedSet.Add(streamIdHex))
        {
            _applied.Add(streamIdHex);
            if (_applied.Count > AppliedKept)
            {
                _appliedSet.Remove(_applied[0]);
                _applied.RemoveAt(0);
            }
        }
    }
}

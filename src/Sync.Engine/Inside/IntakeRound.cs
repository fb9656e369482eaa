using Sync.Core;
using Sync.Core.Apply;

namespace Sync.Engine.Inside;

/// <summary>What one round of candidates did: published generations in order, what waits, what was refused.</summary>
public sealed class IntakeRound
{
    private readonly List<AppliedGeneration> _applied = [];
    private readonly List<StatusNote> _pending = [];
    private readonly List<string> _refused = [];

    public IReadOnlyList<AppliedGeneration> Applied => _applied;

    /// <summary>One line per candidate still waiting after the last pass.</summary>
    public IReadOnlyList<string> Pending => [.. _pending.Select(n => n.Reason)];

    /// <summary>The same, with their kinds and generations.</summary>
    public IReadOnlyList<StatusNote> PendingNotes => _pending;

    /// <summary>One line per candidate refused, in the order they were.</summary>
    public IReadOnlyList<string> Refused => _refused;

    public long BytesReceived => _applied.Sum(a => a.BytesReceived);

    /// <summary>Entries of an in-place target that something else had changed, replaced because the operator said so.</summary>
    public IReadOnlyList<string> Overwritten => [.. _applied.SelectMany(a => a.Overwritten)];

    /// <summary>0 when everything that could apply did; 3 when something was refused; 4 when something still waits.</summary>
    public int ExitCode => _refused.Count > 0 ? (int)SyncErrorKind.Refused : _pending.Count > 0 ? (int)SyncErrorKind.MissingBase : 0;

    internal void Add(AppliedGeneration applied) => _applied.Add(applied);

    internal void Wait(StatusNote note) => _pending.Add(note);

    internal void Refuse(string line) => _refused.Add(line);

    internal void StartPass() => _pending.Clear();

    /// <summary>Something could not apply for a reason of the inside's own (disk, its tree), not the input.</summary>
    internal bool Failed { get; private set; }

    internal void Fail() => Failed = true;
}

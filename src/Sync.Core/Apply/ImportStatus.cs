using System.Text.Json.Serialization;

namespace Sync.Core.Apply;

/// <summary>
/// The outcome of the last import run, kept for `status`: what was applied and what still waits. <see cref="Pending"/>
/// and <see cref="Refused"/> are the lines as earlier versions wrote them (kept, so an older agent still reads the
/// file); the notes say the same with their kinds, and are null in a file an earlier version wrote.
/// </summary>
public sealed record ImportStatus(DateTimeOffset At, IReadOnlyList<string> Applied, IReadOnlyList<string> Pending, IReadOnlyList<string> Refused)
{
    public IReadOnlyList<StatusNote>? PendingNotes { get; init; }

    public IReadOnlyList<StatusNote>? RefusedNotes { get; init; }

    /// <summary>What waits, with kinds: the notes, or the bare lines of an older file as kind "other".</summary>
    [JsonIgnore]
    public IReadOnlyList<StatusNote> PendingWithKinds => Notes(PendingNotes, Pending, PendingKind.Other.ToString());

    [JsonIgnore]
    public IReadOnlyList<StatusNote> RefusedWithKinds => Notes(RefusedNotes, Refused, RefusalKind.Other.ToString());

    private static IReadOnlyList<StatusNote> Notes(IReadOnlyList<StatusNote>? notes, IReadOnlyList<string> lines, string other) =>
        notes is not null && notes.All(n => n is { Kind: not null, Reason: not null }) ? notes : [.. lines.Select(l => new StatusNote(other.ToLowerInvariant(), l))];
}

namespace Sync.Core.Apply;

/// <summary>The outcome of the last import run, kept for `status`: what was applied and what still waits.</summary>
public sealed record ImportStatus(DateTimeOffset At, IReadOnlyList<string> Applied, IReadOnlyList<string> Pending, IReadOnlyList<string> Refused);

namespace Sync.Engine.Inside;

/// <summary>Why the last apply failed (for a reason of the inside's own, not bad input), and when.</summary>
public sealed record ApplyFailure(string Message, bool DiskFull, DateTimeOffset At);

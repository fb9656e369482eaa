namespace Sync.Core.Apply;

/// <summary>How one publish goes about it, beyond what to publish.</summary>
public sealed record PublishOptions(
    PublishPolicy Policy,
    ReusedContentCheck Reused,
    int KeepSnapshots,
    TimeSpan LockTimeout,
    bool OverwriteLocalChanges,
    bool RehashLocalChanges = false)
{
    /// <summary>How long an in-place publish waits for reprepro's db/lockfile by default.</summary>
    public static TimeSpan DefaultLockTimeout { get; } = TimeSpan.FromMinutes(10);
}

namespace Sync.Core.Apply;

/// <summary>
/// The operator's choices for applying generations, the same for every carrier: what the published files' metadata
/// may be (<see cref="Policy"/>: modes, owner), whether published files are re-hashed before they are reused or
/// replaced (<see cref="Verify"/>), how long an in-place publish waits for reprepro's lock, and whether it may replace
/// entries something else changed since the last publish.
/// </summary>
public sealed record ApplySettings
{
    public static ApplySettings Default { get; } = new();

    public PublishPolicy Policy { get; init; } = PublishPolicy.Default;

    public bool Verify { get; init; }

    public TimeSpan LockTimeout { get; init; } = PublishOptions.DefaultLockTimeout;

    public bool OverwriteLocalChanges { get; init; }
}

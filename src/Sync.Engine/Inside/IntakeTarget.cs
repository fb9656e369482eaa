using Sync.Core.Apply;

namespace Sync.Engine.Inside;

/// <summary>Where and how the inside publishes what its carriers bring.</summary>
public sealed record IntakeTarget(string Target, PublishMode Mode, int KeepSnapshots)
{
    /// <summary>The operator's choices for applying: metadata policy, re-hashing, reprepro's lock, local changes.</summary>
    public ApplySettings Settings { get; init; } = ApplySettings.Default;
}

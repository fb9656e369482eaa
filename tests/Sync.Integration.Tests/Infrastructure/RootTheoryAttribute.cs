namespace Sync.Integration.Tests.Infrastructure;

/// <summary>
/// A test that needs root (changing owners, reading as another user): skipped otherwise, except with CI=true, where it
/// fails instead, so CI never passes by skipping it.
/// </summary>
public sealed class RootTheoryAttribute : TheoryAttribute
{
    public RootTheoryAttribute()
    {
        if (!Environment.IsPrivilegedProcess && !NetnsRequirement.OnCi)
        {
            Skip = "needs root (fails instead of skipping when CI=true)";
        }
    }
}

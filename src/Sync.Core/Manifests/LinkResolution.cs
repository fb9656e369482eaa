namespace Sync.Core.Manifests;

/// <summary>
/// What resolving one symlink found. <see cref="Path"/> is the entry reached (empty for the tree's root) when
/// <see cref="Outcome"/> is <see cref="LinkOutcome.Inside"/>; <see cref="DanglingAt"/> is the first name the tree
/// does not hold (or the file used as a directory), whatever came after it; <see cref="Through"/> and
/// <see cref="ThroughTarget"/> name the link whose target made the walk escape or give up.
/// </summary>
public sealed record LinkResolution(LinkOutcome Outcome, string Path, string? DanglingAt, string? Through, string? ThroughTarget)
{
    /// <summary>True when the link may not be carried or published: it escapes, loops or is absurdly complex.</summary>
    public bool IsRefused => Outcome is LinkOutcome.Escapes or LinkOutcome.Loop or LinkOutcome.TooComplex;

    /// <summary>Why the link is refused, for one line naming the link; null when it is not.</summary>
    public string? Problem(string linkPath) => Outcome switch
    {
        LinkOutcome.Escapes => "resolves outside the tree" + Via(linkPath),
        LinkOutcome.Loop => $"does not resolve within {LinkResolver.MaxLinks} links (a symlink loop)" + Via(linkPath),
        LinkOutcome.TooComplex => "takes too many steps to resolve" + Via(linkPath),
        _ => null,
    };

    private string Via(string linkPath) =>
        Through is null || Through == linkPath ? string.Empty : $" through '{Through}' -> '{ThroughTarget}'";
}

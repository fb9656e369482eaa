namespace Sync.Core.Manifests;

/// <summary>Where a symlink leads when it is resolved through a manifest's entries.</summary>
public enum LinkOutcome
{
    /// <summary>To an entry of the tree (a file, a directory, or the tree's root).</summary>
    Inside = 1,

    /// <summary>To a name the tree does not hold (or through a file): nothing is reached, and nothing outside either.</summary>
    Dangling = 2,

    /// <summary>Out of the tree: a '..' above the root, or an absolute target somewhere on the way.</summary>
    Escapes = 3,

    /// <summary>More links to follow than the kernel follows (a loop, or a chain too long for any reader).</summary>
    Loop = 4,

    /// <summary>More steps than any real tree needs: refused so a hostile manifest cannot make us spin.</summary>
    TooComplex = 5,
}

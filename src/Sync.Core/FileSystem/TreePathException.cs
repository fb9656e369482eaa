namespace Sync.Core.FileSystem;

/// <summary>
/// A path of a tree could not be resolved as given: one of its directories is a symlink, not a directory, or gone,
/// or the path would leave the tree. Apply treats it as "that entry is not there" where it removes things, and as a
/// failure where it creates them.
/// </summary>
public sealed class TreePathException : IOException
{
    public TreePathException(string message, int errno)
        : base(message, errno)
    {
    }
}

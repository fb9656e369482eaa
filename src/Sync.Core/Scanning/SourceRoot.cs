namespace Sync.Core.Scanning;

/// <summary>
/// The source tree's root as the outside reads it. Operators often name the repository through a symlink
/// (`/srv/mirror -> /data/mirror`); the root itself is resolved to the directory it names, while every link inside the
/// tree is still carried as a link (the scanner opens nothing through one).
/// </summary>
public static class SourceRoot
{
    /// <summary>The absolute path of the directory <paramref name="source"/> names, through any symlinks on the way.</summary>
    public static string Resolve(string source)
    {
        var full = Path.GetFullPath(source);
        try
        {
            var info = new DirectoryInfo(full);
            return info.LinkTarget is null ? full : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full; // a loop or a dangling link: the scanner says the source is not a directory
        }
    }
}

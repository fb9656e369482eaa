using System.Diagnostics.CodeAnalysis;

namespace Sync.Core.FileSystem;

/// <summary>Splitting and checking the relative paths trees take.</summary>
public static class TreePath
{
    /// <summary>The parent ("" for a top-level name) and the last component of a relative path.</summary>
    public static (string Parent, string Name) Split(string path)
    {
        Check(path);
        var slash = path.LastIndexOf('/');
        return slash < 0 ? (string.Empty, path) : (path[..slash], path[(slash + 1)..]);
    }

    public static string Combine(string parent, string name) => parent.Length == 0 ? name : parent + "/" + name;

    /// <summary>Refuses what no caller should ever pass: an absolute path, empty or dot components.</summary>
    public static void Check(string path)
    {
        if (path.Length > 0 && !IsPlain(path))
        {
            throw new ArgumentException($"not a plain relative path: '{path}'", nameof(path));
        }
    }

    /// <summary>
    /// Whether <paramref name="path"/> names an entry below a tree: relative, without empty, "." or ".." components or
    /// a NUL (the empty path, the tree itself, is not one). For paths read from files, which must not throw.
    /// </summary>
    public static bool IsPlain([NotNullWhen(true)] string? path)
    {
        if (string.IsNullOrEmpty(path) || path[0] == '/' || path[^1] == '/' || path.Contains('\0'))
        {
            return false;
        }

        foreach (var component in path.Split('/'))
        {
            if (component.Length == 0 || component == "." || component == "..")
            {
                return false;
            }
        }

        return true;
    }
}

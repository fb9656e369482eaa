using Sync.Core.Posix;

namespace Sync.Integration.Tests.Infrastructure;

/// <summary>Compares two trees the way the product promises: paths, kinds, contents, link targets, modes and mtimes.</summary>
public static class TreeAssert
{
    /// <summary>
    /// The trees hold the same entries. In a directory the actual tree reaches through a symlink (snapshot mode's shared
    /// pool), it may hold more: the pool files older kept snapshots still need.
    /// </summary>
    public static void Equal(string expectedRoot, string actualRoot)
    {
        var expected = Describe(expectedRoot);
        var actual = DescribeAgainst(actualRoot, expected);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, description) in expected)
        {
            Assert.True(description == actual[path], $"{path}: expected {description}, got {actual[path]}");
        }
    }

    /// <summary>
    /// How the tree at <paramref name="actualRoot"/> differs from the described one (see <see cref="Equal"/>): empty when it
    /// is the same, else the first few differing paths, for a failure message.
    /// </summary>
    /// <param name="sharedRoot">
    /// A directory (snapshot mode's `pool`) whose subdirectories' mtimes are not compared: the store behind it is
    /// shared by every snapshot, and a publish in progress adds to it before the switch.
    /// </param>
    public static string Differences(string actualRoot, IReadOnlyDictionary<string, string> expected, string? sharedRoot = null)
    {
        var actual = DescribeAgainst(actualRoot, expected);
        var differing = expected.Keys.Union(actual.Keys)
            .Where(path => expected.GetValueOrDefault(path) != actual.GetValueOrDefault(path))
            .Where(path => sharedRoot is null || !path.StartsWith(sharedRoot + "/", StringComparison.Ordinal) ||
                WithoutMtime(expected.GetValueOrDefault(path)) != WithoutMtime(actual.GetValueOrDefault(path)))
            .Order(StringComparer.Ordinal)
            .Select(path => $"{path}: expected {expected.GetValueOrDefault(path) ?? "nothing"}, got {actual.GetValueOrDefault(path) ?? "nothing"}")
            .ToList();
        return string.Join("; ", differing.Take(4)) + (differing.Count > 4 ? $" (and {differing.Count - 4} more)" : string.Empty);
    }

    private static string? WithoutMtime(string? description) =>
        description is not null && description.StartsWith("dir ", StringComparison.Ordinal) ? description[..description.IndexOf(" mtime=", StringComparison.Ordinal)] : description;

    /// <summary>The actual tree described against the expected one, without what a followed link's directory holds beyond it.</summary>
    private static Dictionary<string, string> DescribeAgainst(string actualRoot, IReadOnlyDictionary<string, string> expected)
    {
        var actual = Describe(actualRoot, expected);
        var linked = expected.Keys.Where(k => IsFollowedLink(actualRoot, k)).ToList();
        foreach (var extra in actual.Keys.Except(expected.Keys).ToList())
        {
            if (linked.Any(root => extra.StartsWith(root + "/", StringComparison.Ordinal)))
            {
                actual.Remove(extra);
            }
        }

        return actual;
    }

    /// <summary>
    /// Describes a tree; where <paramref name="expected"/> has a directory and the tree a symlink, the link is followed as a
    /// reader would (snapshot mode keeps `pool` in a shared store and links to it), and described as a directory.
    /// </summary>
    public static Dictionary<string, string> Describe(string root, IReadOnlyDictionary<string, string>? expected = null)
    {
        var rootFull = Path.GetFullPath(root);
        if (Posix.TryLStat(rootFull) is { Kind: UnixFileKind.Symlink })
        {
            rootFull = Path.GetFullPath(new DirectoryInfo(rootFull).ResolveLinkTarget(true)!.FullName);
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(rootFull, string.Empty, result, expected);
        return result;
    }

    private static void Walk(string root, string relative, Dictionary<string, string> result, IReadOnlyDictionary<string, string>? expected)
    {
        foreach (var full in Directory.EnumerateFileSystemEntries(relative.Length == 0 ? root : Path.Combine(root, relative)))
        {
            var path = relative.Length == 0 ? Path.GetFileName(full) : relative + "/" + Path.GetFileName(full);
            var s = Posix.LStat(full);
            if (s.Kind == UnixFileKind.Symlink && expected?.GetValueOrDefault(path)?.StartsWith("dir ", StringComparison.Ordinal) == true &&
                new DirectoryInfo(full).ResolveLinkTarget(true) is { Exists: true } linked)
            {
                s = Posix.LStat(linked.FullName);
                result[path] = $"dir mode={Convert.ToString(s.Mode, 8)} mtime={s.MtimeNs}";
                WalkLinked(linked.FullName, path, result, expected);
                continue;
            }

            switch (s.Kind)
            {
                case UnixFileKind.Directory:
                    result[path] = $"dir mode={Convert.ToString(s.Mode, 8)} mtime={s.MtimeNs}";
                    Walk(root, path, result, expected);
                    break;
                case UnixFileKind.Symlink:
                    result[path] = $"link -> {new FileInfo(full).LinkTarget} mtime={s.MtimeNs}";
                    break;
                default:
                    var hash = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(full)));
                    result[path] = $"file mode={Convert.ToString(s.Mode, 8)} mtime={s.MtimeNs} size={s.Size} sha256={hash}";
                    break;
            }
        }
    }

    /// <summary>True when the actual tree holds a symlink at a path the expected tree has as a directory.</summary>
    private static bool IsFollowedLink(string actualRoot, string path)
    {
        var root = Path.GetFullPath(actualRoot);
        if (Posix.TryLStat(root) is { Kind: UnixFileKind.Symlink })
        {
            root = new DirectoryInfo(root).ResolveLinkTarget(true)!.FullName;
        }

        return Posix.TryLStat(Path.Combine(root, path)) is { Kind: UnixFileKind.Symlink };
    }

    /// <summary>Walks a directory reached through a followed link, naming its entries as the linking tree does.</summary>
    private static void WalkLinked(string directory, string relative, Dictionary<string, string> result, IReadOnlyDictionary<string, string>? expected)
    {
        var inner = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(directory, string.Empty, inner, expected?.Where(e => e.Key.StartsWith(relative + "/", StringComparison.Ordinal))
            .ToDictionary(e => e.Key[(relative.Length + 1)..], e => e.Value, StringComparer.Ordinal));
        foreach (var (path, description) in inner)
        {
            result[relative + "/" + path] = description;
        }
    }
}

using Sync.Core.Posix;

namespace Sync.Integration.Tests.Infrastructure;

/// <summary>Compares two trees the way the product promises: paths, kinds, contents, link targets, modes and mtimes.</summary>
public static class TreeAssert
{
    public static void Equal(string expectedRoot, string actualRoot)
    {
        var expected = Describe(expectedRoot);
        var actual = Describe(actualRoot);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, description) in expected)
        {
            Assert.True(description == actual[path], $"{path}: expected {description}, got {actual[path]}");
        }
    }

    public static Dictionary<string, string> Describe(string root)
    {
        var rootFull = Path.GetFullPath(root);
        if (Posix.TryLStat(rootFull) is { Kind: UnixFileKind.Symlink })
        {
            rootFull = Path.GetFullPath(new DirectoryInfo(rootFull).ResolveLinkTarget(true)!.FullName);
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(rootFull, string.Empty, result);
        return result;
    }

    private static void Walk(string root, string relative, Dictionary<string, string> result)
    {
        foreach (var full in Directory.EnumerateFileSystemEntries(relative.Length == 0 ? root : Path.Combine(root, relative)))
        {
            var path = relative.Length == 0 ? Path.GetFileName(full) : relative + "/" + Path.GetFileName(full);
            var s = Posix.LStat(full);
            switch (s.Kind)
            {
                case UnixFileKind.Directory:
                    result[path] = $"dir mode={Convert.ToString(s.Mode, 8)} mtime={s.MtimeNs}";
                    Walk(root, path, result);
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
}

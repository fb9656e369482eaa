using Sync.Core.FileSystem;
using Sync.Core.Posix;

namespace Sync.Core.Verification;

/// <summary>
/// The Release and InRelease files of a published tree (<c>dists/SUITE/</c>), with their headers: what `status` shows
/// so an operator sees a mirror going stale before apt clients refuse it. Reads through the tree's handle, never
/// following a symlink, and only the first <see cref="ReleaseHeader.HeaderBytes"/> of each file.
/// </summary>
public static class ReleaseFiles
{
    private static readonly string[] Names = ["InRelease", "Release"];

    /// <summary>Every readable <c>dists/*/InRelease</c> and <c>dists/*/Release</c>, by path; empty when there are none.</summary>
    public static IReadOnlyList<(string Path, ReleaseHeader Header)> Read(IDirectoryTree tree)
    {
        var found = new List<(string, ReleaseHeader)>();
        if (tree.TryStat("dists") is not { Kind: UnixFileKind.Directory })
        {
            return found;
        }

        foreach (var suite in tree.List("dists").Order(StringComparer.Ordinal))
        {
            foreach (var name in Names)
            {
                var path = TreePath.Combine(TreePath.Combine("dists", suite), name);
                if (TryRead(tree, path) is { } header)
                {
                    found.Add((path, header));
                }
            }
        }

        return found;
    }

    private static ReleaseHeader? TryRead(IDirectoryTree tree, string path)
    {
        try
        {
            if (tree.TryStat(path) is not { Kind: UnixFileKind.File })
            {
                return null;
            }

            using var file = tree.OpenRead(path);
            var buffer = new byte[(int)Math.Min(file.Length, ReleaseHeader.HeaderBytes)];
            var filled = 0;
            while (filled < buffer.Length)
            {
                var n = file.Read(buffer.AsSpan(filled), filled);
                if (n <= 0)
                {
                    break;
                }

                filled += n;
            }

            return ReleaseHeader.Parse(buffer.AsSpan(0, filled));
        }
        catch (IOException)
        {
            return null; // a file that went away or cannot be read is no Release file to report
        }
    }
}

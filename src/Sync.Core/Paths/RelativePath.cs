using System.Text;

namespace Sync.Core.Paths;

/// <summary>
/// Validation of the relative paths a manifest names. Paths are hostile until proven otherwise: a path that
/// could leave the tree, alias another entry, or confuse a file system is refused before anything is written.
/// </summary>
public static class RelativePath
{
    public const int MaxLength = 4096;
    public const int MaxSegmentBytes = 255;

    /// <summary>Throws a refusal naming the problem unless <paramref name="path"/> is a clean relative path.</summary>
    public static void Validate(string path)
    {
        var problem = FindProblem(path);
        if (problem is not null)
        {
            throw SyncException.Refused(RefusalKind.UnsafeEntry, $"hostile or invalid path '{Printable(path)}': {problem}");
        }
    }

    public static bool IsValid(string path) => FindProblem(path) is null;

    public static string? FindProblem(string path)
    {
        if (path.Length == 0)
        {
            return "empty";
        }

        if (path.Length > MaxLength)
        {
            return $"longer than {MaxLength} characters";
        }

        if (path[0] == '/')
        {
            return "absolute";
        }

        if (path[^1] == '/')
        {
            return "ends with '/'";
        }

        foreach (var c in path)
        {
            if (c == '\0')
            {
                return "contains NUL";
            }

            if (c == '\\')
            {
                return "contains a backslash";
            }

            if (char.IsControl(c))
            {
                return "contains a control character";
            }
        }

        // Segment by segment over spans: the scanner checks every path of a tree, a mirror's million of them.
        foreach (var range in path.AsSpan().Split('/'))
        {
            var segment = path.AsSpan(range);
            if (segment.Length == 0)
            {
                return "has an empty segment";
            }

            if (segment is "." or "..")
            {
                return $"has a '{segment}' segment";
            }

            if (segment.Length > MaxSegmentBytes / 3 && Encoding.UTF8.GetByteCount(segment) > MaxSegmentBytes)
            {
                return $"has a segment longer than {MaxSegmentBytes} bytes";
            }
        }

        if (!IsWellFormedUtf16(path))
        {
            return "is not well-formed Unicode";
        }

        return null;
    }

    /// <summary>
    /// A symlink target may be relative only, and must stay inside the tree when resolved lexically from the
    /// link's own directory; anything else would let a reader (or the agent) escape the published tree.
    /// </summary>
    public static string? FindLinkTargetProblem(string linkPath, string target)
    {
        if (target.Length == 0 || target.Length > MaxLength)
        {
            return "empty or too long";
        }

        if (target[0] == '/')
        {
            return "absolute";
        }

        if (target.Contains('\0'))
        {
            return "contains NUL";
        }

        var depth = linkPath.Count(c => c == '/');
        foreach (var segment in target.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            depth += segment == ".." ? -1 : 1;
            if (depth < 0)
            {
                return "points outside the tree";
            }
        }

        return null;
    }

    /// <summary>Parent of a relative path, or empty for a top-level entry.</summary>
    public static string Parent(string path)
    {
        var slash = path.LastIndexOf('/');
        return slash < 0 ? string.Empty : path[..slash];
    }

    /// <summary>Ordinal comparison of UTF-8 bytes, so both agents sort manifests the same way on any platform.</summary>
    public static int Compare(string? a, string? b)
    {
        if (a is null || b is null)
        {
            return string.CompareOrdinal(a, b);
        }

        // UTF-16 code units order as UTF-8 bytes do unless a surrogate meets U+E000..U+FFFF, so only the first unit
        // that differs is looked at: a sort or a merge of 600,000 paths does not scan each path on every comparison.
        var common = a.AsSpan().CommonPrefixLength(b);
        if (common == a.Length || common == b.Length)
        {
            return a.Length.CompareTo(b.Length);
        }

        var (x, y) = (a[common], b[common]);
        return char.IsSurrogate(x) || char.IsSurrogate(y) ? CompareUtf8(a, b) : x.CompareTo(y);
    }

    private static int CompareUtf8(string a, string b) =>
        Encoding.UTF8.GetBytes(a).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(b));

    private static bool IsWellFormedUtf16(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]))
            {
                if (i + 1 >= s.Length || !char.IsLowSurrogate(s[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(s[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static string Printable(string path)
    {
        var sb = new StringBuilder(Math.Min(path.Length, 200));
        foreach (var c in path.Length > 200 ? path[..200] : path)
        {
            sb.Append(char.IsControl(c) ? '?' : c);
        }

        return sb.ToString();
    }
}

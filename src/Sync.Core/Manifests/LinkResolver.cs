using Sync.Core.Paths;

namespace Sync.Core.Manifests;

/// <summary>
/// Resolves symlink targets through a tree's own entries, component by component as the kernel would: each name
/// is looked up in the tree, a symlink substitutes its target relative to its own directory, '..' pops, and at
/// most <see cref="MaxLinks"/> links are followed per walk (the kernel's limit, so what it would refuse as a loop
/// is refused here too). Any step above the root, or an absolute target anywhere in the chain, is an escape.
/// </summary>
/// <remarks>
/// A lexical check of each target alone cannot see chains: with <c>d/x -> ..</c>, <c>d/y -> x/../..</c> steps
/// above the root although its text stays inside. A name the tree lacks (or a file used as a directory) ends the
/// kernel's walk with ENOENT or ENOTDIR: such a link is dangling, which is allowed, because mirrors have them
/// (a suite link kept for a suite a partial mirror leaves out, a link to a file its filter drops) and a reader
/// reaches nothing through one. The walk still goes on as if the missing name were an empty directory, so a
/// dangling link whose rest would leave the tree once that name appears is refused now rather than later.
/// Steps are bounded per link and per tree, so a hostile manifest cannot make the check spin. Not thread-safe.
/// </remarks>
public sealed class LinkResolver
{
    /// <summary>Links followed per walk, the link itself included: Linux's MAXSYMLINKS.</summary>
    public const int MaxLinks = 40;

    /// <summary>Names looked at per link; a real tree needs a handful.</summary>
    public const int MaxSteps = 8192;

    private readonly Func<string, ManifestEntry?> _find;
    private long _budget;

    /// <param name="find">The entry at a relative path, or null when the tree has none.</param>
    /// <param name="stepBudget">Names looked at over all links resolved by this instance.</param>
    public LinkResolver(Func<string, ManifestEntry?> find, long stepBudget)
    {
        _find = find;
        _budget = stepBudget;
    }

    /// <summary>A resolver over <paramref name="manifest"/>'s entries, with a budget that grows with the tree.</summary>
    public static LinkResolver For(Manifest manifest) => new(manifest.Find, StepBudget(manifest.Entries.Count));

    /// <summary>Steps allowed for a tree of <paramref name="entries"/> entries: far more than any real mirror takes.</summary>
    public static long StepBudget(int entries) => 1_000_000 + 64L * entries;

    /// <summary>Every symlink of <paramref name="manifest"/> that escapes, loops or is too complex, in manifest order.</summary>
    public static IEnumerable<(ManifestEntry Link, LinkResolution Resolution)> FindRefused(Manifest manifest)
    {
        LinkResolver? resolver = null;
        foreach (var entry in manifest.Entries)
        {
            if (entry.Kind != EntryKind.Symlink)
            {
                continue;
            }

            resolver ??= For(manifest);
            var resolution = resolver.Resolve(entry.Path, entry.LinkTarget ?? string.Empty);
            if (resolution.IsRefused)
            {
                yield return (entry, resolution);
            }
        }
    }

    /// <summary>Where the symlink at <paramref name="linkPath"/> with <paramref name="target"/> leads, following every link on the way.</summary>
    public LinkResolution Resolve(string linkPath, string target)
    {
        var parent = RelativePath.Parent(linkPath);
        var directory = parent.Length == 0 ? new List<string>() : [.. parent.Split('/')];
        var virtualFrom = -1; // components from this index on name nothing in the tree
        string? danglingAt = null;
        if (target.StartsWith('/'))
        {
            return new LinkResolution(LinkOutcome.Escapes, string.Empty, null, linkPath, target);
        }

        var frames = new Stack<Frame>();
        frames.Push(new Frame(linkPath, target));
        var links = 1;
        var steps = 0;
        while (frames.Count > 0)
        {
            var frame = frames.Peek();
            if (frame.Next == frame.Parts.Length)
            {
                frames.Pop();
                continue;
            }

            var name = frame.Parts[frame.Next++];
            if (++steps > MaxSteps || --_budget < 0)
            {
                return new LinkResolution(LinkOutcome.TooComplex, string.Empty, danglingAt, frame.Link, frame.Target);
            }

            if (name is "" or ".")
            {
                continue;
            }

            if (name == "..")
            {
                if (directory.Count == 0)
                {
                    return new LinkResolution(LinkOutcome.Escapes, string.Empty, danglingAt, frame.Link, frame.Target);
                }

                directory.RemoveAt(directory.Count - 1);
                if (virtualFrom >= directory.Count)
                {
                    virtualFrom = -1;
                }

                continue;
            }

            if (virtualFrom >= 0)
            {
                directory.Add(name);
                continue;
            }

            var path = directory.Count == 0 ? name : string.Join('/', directory) + "/" + name;
            var entry = _find(path);
            if (entry is { Kind: EntryKind.Symlink, LinkTarget: { Length: > 0 } next })
            {
                if (++links > MaxLinks)
                {
                    return new LinkResolution(LinkOutcome.Loop, string.Empty, danglingAt, path, next);
                }

                if (next.StartsWith('/'))
                {
                    return new LinkResolution(LinkOutcome.Escapes, string.Empty, danglingAt, path, next);
                }

                frames.Push(new Frame(path, next));
                continue;
            }

            if (entry is { Kind: EntryKind.Directory } || (entry is { Kind: EntryKind.File } && IsLast(frames)))
            {
                directory.Add(name);
                continue;
            }

            // Not in the tree, or a file with more to walk: the kernel stops here (ENOENT, ENOTDIR); we go on
            // as if it were an empty directory, to see whether the rest could ever leave the tree.
            danglingAt ??= path;
            virtualFrom = directory.Count;
            directory.Add(name);
        }

        var reached = string.Join('/', directory);
        return danglingAt is null
            ? new LinkResolution(LinkOutcome.Inside, reached, null, null, null)
            : new LinkResolution(LinkOutcome.Dangling, reached, danglingAt, null, null);
    }

    private static bool IsLast(Stack<Frame> frames)
    {
        foreach (var frame in frames)
        {
            if (frame.Next < frame.Parts.Length)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One link's target being walked: its components and how far the walk got.</summary>
    private sealed class Frame(string link, string target)
    {
        public string Link { get; } = link;

        public string Target { get; } = target;

        public string[] Parts { get; } = target.Split('/');

        public int Next { get; set; }
    }
}

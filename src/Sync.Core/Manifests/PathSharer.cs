using Sync.Core.Paths;

namespace Sync.Core.Manifests;

/// <summary>
/// Lets a manifest being parsed reuse the path strings of one already held (the scan beside the last export's
/// manifest, the published manifest beside a received one): both are in path order, so one forward cursor finds each
/// equal path, and a day's two 600,000-entry manifests hold one copy of the paths they share instead of two. It only
/// ever hands back a string equal to the one it was given, so a hostile or unsorted input merely shares less.
/// Not thread-safe: one per parse.
/// </summary>
public sealed class PathSharer
{
    private readonly IReadOnlyList<ManifestEntry> _held;
    private int _next;

    public PathSharer(IReadOnlyList<ManifestEntry> held) => _held = held;

    /// <summary>The held string equal to <paramref name="path"/>, or <paramref name="path"/> itself.</summary>
    public string Share(string path)
    {
        while (_next < _held.Count)
        {
            var held = _held[_next].Path;
            var order = RelativePath.Compare(held, path);
            if (order > 0)
            {
                return path;
            }

            _next++;
            if (order == 0)
            {
                return held;
            }
        }

        return path;
    }
}

using Sync.Core.Paths;

namespace Sync.Core.Manifests;

/// <summary>
/// Lets a manifest being parsed reuse what a manifest already held has (the scan beside the last export's manifest,
/// the published manifest beside a received one): both are in path order, so one forward cursor finds each equal
/// path. An entry equal in every field to the held one is the held object itself, and any other entry at a held path
/// shares its string, so a day's two 600,000-entry manifests hold one copy of what did not change instead of two.
/// It only ever hands back a string or an entry equal to the one it was given, so a hostile or unsorted input merely
/// shares less. Not thread-safe: one per parse.
/// </summary>
public sealed class EntrySharer
{
    private readonly IReadOnlyList<ManifestEntry> _held;
    private int _next;

    public EntrySharer(IReadOnlyList<ManifestEntry> held) => _held = held;

    /// <summary>The held entry at <paramref name="path"/>, or null; moves the cursor past it.</summary>
    public ManifestEntry? Find(string path)
    {
        while (_next < _held.Count)
        {
            var held = _held[_next];
            var order = RelativePath.Compare(held.Path, path);
            if (order > 0)
            {
                return null;
            }

            _next++;
            if (order == 0)
            {
                return held;
            }
        }

        return null;
    }

    /// <summary>The held string equal to <paramref name="path"/>, or <paramref name="path"/> itself.</summary>
    public string Share(string path) => Find(path)?.Path ?? path;

    /// <summary><paramref name="held"/> when it describes exactly what <paramref name="parsed"/> does, else <paramref name="parsed"/>.</summary>
    public static ManifestEntry Reuse(ManifestEntry? held, ManifestEntry parsed) =>
        held is not null && SameEntry(held, parsed) ? held : parsed;

    private static bool SameEntry(ManifestEntry a, ManifestEntry b)
    {
        if (a.Path != b.Path || a.Kind != b.Kind || a.Mode != b.Mode || a.MtimeNs != b.MtimeNs || a.Size != b.Size ||
            a.Digest != b.Digest || a.LinkTarget != b.LinkTarget || a.Chunks.Count != b.Chunks.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Chunks.Count; i++)
        {
            if (a.Chunks[i] != b.Chunks[i])
            {
                return false;
            }
        }

        return true;
    }
}

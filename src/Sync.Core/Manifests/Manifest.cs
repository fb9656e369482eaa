using Sync.Core.Hashing;
using Sync.Core.Paths;

namespace Sync.Core.Manifests;

/// <summary>A generation: every entry of the source tree at one instant, sorted by path (parents first).</summary>
public sealed class Manifest
{
    public const int FormatVersion = 1;

    private Dictionary<string, int>? _byPath;
    private bool? _sorted;
    private ContentIndex? _byDigest;

    public Manifest(long generation, DateTimeOffset created, IReadOnlyList<ManifestEntry> entries)
    {
        Generation = generation;
        Created = created;
        Entries = entries;
    }

    public long Generation { get; }

    public DateTimeOffset Created { get; }

    public IReadOnlyList<ManifestEntry> Entries { get; }

    public static Manifest Empty { get; } = new(0, DateTimeOffset.UnixEpoch, []);

    public IEnumerable<ManifestEntry> Files => Entries.Where(e => e.Kind == EntryKind.File);

    public long TotalFileBytes => Files.Sum(f => f.Size);

    /// <summary>
    /// The entry at this path, or null. Entries in path order (every manifest that was validated or scanned) are
    /// searched by bisection, so a lookup costs no index of 600,000 paths; only a list built out of order gets one.
    /// </summary>
    public ManifestEntry? Find(string path) => IndexOf(path) is var at and >= 0 ? Entries[at] : null;

    /// <summary>The position of the entry at this path in <see cref="Entries"/>, or -1 (see <see cref="Find"/>).</summary>
    public int IndexOf(string path)
    {
        _sorted ??= IsSorted(Entries);
        if (_sorted == false)
        {
            if (_byPath is null)
            {
                var map = new Dictionary<string, int>(Entries.Count, StringComparer.Ordinal);
                for (var i = 0; i < Entries.Count; i++)
                {
                    map.TryAdd(Entries[i].Path, i);
                }

                _byPath = map;
            }

            return _byPath.GetValueOrDefault(path, -1);
        }

        int low = 0, high = Entries.Count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) >> 1);
            var order = RelativePath.Compare(Entries[middle].Path, path);
            if (order == 0)
            {
                return middle;
            }

            if (order < 0)
            {
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return -1;
    }

    /// <summary>The first file in path order holding the content with this digest, or null.</summary>
    public ManifestEntry? FindContent(Digest digest) => (_byDigest ??= ContentIndex.Build(Entries)).Find(digest);

    public bool HasContent(Digest digest) => FindContent(digest) is not null;

    private static bool IsSorted(IReadOnlyList<ManifestEntry> entries)
    {
        for (var i = 1; i < entries.Count; i++)
        {
            if (RelativePath.Compare(entries[i - 1].Path, entries[i].Path) >= 0)
            {
                return false;
            }
        }

        return true;
    }
}

using Sync.Core.Hashing;
using Sync.Core.Paths;

namespace Sync.Core.Manifests;

/// <summary>A generation: every entry of the source tree at one instant, sorted by path (parents first).</summary>
public sealed class Manifest
{
    public const int FormatVersion = 1;

    private Dictionary<string, ManifestEntry>? _byPath;
    private bool? _sorted;
    private Dictionary<Digest, ManifestEntry>? _byDigest;

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
    public ManifestEntry? Find(string path)
    {
        _sorted ??= IsSorted(Entries);
        if (_sorted == false)
        {
            return (_byPath ??= Entries.ToDictionary(e => e.Path, StringComparer.Ordinal)).GetValueOrDefault(path);
        }

        int low = 0, high = Entries.Count - 1;
        while (low <= high)
        {
            var middle = low + ((high - low) >> 1);
            var order = RelativePath.Compare(Entries[middle].Path, path);
            if (order == 0)
            {
                return Entries[middle];
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

        return null;
    }

    /// <summary>Some file holding the content with this digest, or null.</summary>
    public ManifestEntry? FindContent(Digest digest)
    {
        if (_byDigest is null)
        {
            var map = new Dictionary<Digest, ManifestEntry>();
            foreach (var file in Files)
            {
                map.TryAdd(file.Digest, file);
            }

            _byDigest = map;
        }

        return _byDigest.GetValueOrDefault(digest);
    }

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

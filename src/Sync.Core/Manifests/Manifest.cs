using Sync.Core.Hashing;

namespace Sync.Core.Manifests;

/// <summary>A generation: every entry of the source tree at one instant, sorted by path (parents first).</summary>
public sealed class Manifest
{
    public const int FormatVersion = 1;

    private Dictionary<string, ManifestEntry>? _byPath;
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

    public ManifestEntry? Find(string path) =>
        (_byPath ??= Entries.ToDictionary(e => e.Path, StringComparer.Ordinal)).GetValueOrDefault(path);

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
}

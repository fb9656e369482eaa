using Sync.Core.Hashing;
using Sync.Core.Manifests;

namespace Sync.Core.Apply;

/// <summary>
/// Where the inside finds bytes it already holds: contents staged in this apply (objects/ by digest) first, then
/// files of the published generation, by content digest or by chunk digest (path and offset from its manifest).
/// </summary>
public sealed class ContentSources
{
    private readonly Manifest _published;
    private readonly string? _publishedRoot;
    private readonly Dictionary<Digest, (string Path, long Offset, int Length)> _stagedChunks = new();
    private readonly HashSet<Digest> _staged = new();
    private Dictionary<Digest, (string Path, long Offset, int Length)>? _publishedChunks;

    public ContentSources(Manifest published, string? publishedRoot, string objectsDirectory)
    {
        _published = published;
        _publishedRoot = publishedRoot;
        ObjectsDirectory = objectsDirectory;
    }

    public string ObjectsDirectory { get; }

    public IReadOnlySet<Digest> Staged => _staged;

    public string ObjectPath(Digest digest) => Path.Combine(ObjectsDirectory, digest.ToHex());

    public void AddStaged(Digest digest, IReadOnlyList<ChunkRef> chunks)
    {
        _staged.Add(digest);
        var path = ObjectPath(digest);
        long offset = 0;
        foreach (var chunk in chunks)
        {
            _stagedChunks.TryAdd(chunk.Digest, (path, offset, chunk.Length));
            offset += chunk.Length;
        }
    }

    /// <summary>Makes a chunk held elsewhere (e.g. in a prefix kept by <see cref="ResumeStore"/>) findable.</summary>
    public void AddChunkLocation(Digest digest, string path, long offset, int length) => _stagedChunks.TryAdd(digest, (path, offset, length));

    /// <summary>A file holding this content: a staged object or a published file, or null.</summary>
    public string? FindContent(Digest digest)
    {
        if (_staged.Contains(digest))
        {
            return ObjectPath(digest);
        }

        var entry = _published.FindContent(digest);
        return entry is null || _publishedRoot is null ? null : Path.Combine(_publishedRoot, entry.Path);
    }

    /// <summary>The published entry holding this content, or null.</summary>
    public ManifestEntry? FindPublished(Digest digest) => _publishedRoot is null ? null : _published.FindContent(digest);

    public string? PublishedPath(ManifestEntry entry) => _publishedRoot is null ? null : Path.Combine(_publishedRoot, entry.Path);

    public (string Path, long Offset, int Length)? FindChunk(Digest digest)
    {
        if (_stagedChunks.TryGetValue(digest, out var staged))
        {
            return staged;
        }

        if (_publishedRoot is null)
        {
            return null;
        }

        if (_publishedChunks is null)
        {
            var map = new Dictionary<Digest, (string, long, int)>();
            foreach (var file in _published.Files)
            {
                long offset = 0;
                var path = Path.Combine(_publishedRoot, file.Path);
                foreach (var chunk in file.Chunks)
                {
                    map.TryAdd(chunk.Digest, (path, offset, chunk.Length));
                    offset += chunk.Length;
                }
            }

            _publishedChunks = map;
        }

        return _publishedChunks.TryGetValue(digest, out var found) ? found : null;
    }
}

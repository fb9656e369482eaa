using Sync.Core.FileSystem;
using Sync.Core.Hashing;
using Sync.Core.Manifests;

namespace Sync.Core.Apply;

/// <summary>
/// Where the inside finds bytes it already holds: contents staged in this apply (the objects tree, by digest) first,
/// then files of the published generation, by content digest or by chunk digest (path and offset from its manifest).
/// Borrows its trees from the apply that made it.
/// </summary>
public sealed class ContentSources
{
    private readonly Manifest _published;
    // Where each staged chunk lies, by the digest of the content holding it rather than by its object's name: a
    // 64-character name per content was 76 MB of strings on a 1,000,000-entry mirror's first import.
    private readonly Dictionary<Digest, StagedChunk> _stagedChunks = new();
    private readonly Dictionary<Digest, ChunkLocation> _heldChunks = new();
    private readonly HashSet<Digest> _staged = new();
    private Dictionary<Digest, ChunkLocation>? _publishedChunks;

    public ContentSources(Manifest published, IDirectoryTree? publishedTree, IDirectoryTree objects)
    {
        _published = published;
        PublishedTree = publishedTree;
        Objects = objects;
    }

    /// <summary>Contents received by this apply, each a file named by its digest's hex.</summary>
    public IDirectoryTree Objects { get; }

    /// <summary>The published generation's tree, or null when nothing is published.</summary>
    public IDirectoryTree? PublishedTree { get; }

    public Manifest Published => _published;

    public IReadOnlySet<Digest> Staged => _staged;

    public static string ObjectPath(Digest digest) => digest.ToHex();

    public void AddStaged(Digest digest, IReadOnlyList<ChunkRef> chunks)
    {
        _staged.Add(digest);
        long offset = 0;
        foreach (var chunk in chunks)
        {
            _stagedChunks.TryAdd(chunk.Digest, new StagedChunk(digest, offset, chunk.Length));
            offset += chunk.Length;
        }
    }

    /// <summary>Makes a chunk held elsewhere (e.g. in a prefix kept by <see cref="ResumeStore"/>) findable.</summary>
    public void AddChunkLocation(Digest digest, ChunkLocation location) => _heldChunks.TryAdd(digest, location);

    /// <summary>A file holding this content: a staged object or a published file, or null.</summary>
    public ContentLocation? FindContent(Digest digest)
    {
        if (_staged.Contains(digest))
        {
            return new ContentLocation(Objects, ObjectPath(digest), IsPublished: false);
        }

        var entry = FindPublished(digest);
        return entry is null ? null : new ContentLocation(PublishedTree!, entry.Path, IsPublished: true);
    }

    /// <summary>The published entry holding this content, or null.</summary>
    public ManifestEntry? FindPublished(Digest digest) => PublishedTree is null ? null : _published.FindContent(digest);

    public ChunkLocation? FindChunk(Digest digest)
    {
        if (_stagedChunks.TryGetValue(digest, out var staged))
        {
            return new ChunkLocation(Objects, ObjectPath(staged.Content), staged.Offset, staged.Length);
        }

        if (_heldChunks.TryGetValue(digest, out var held))
        {
            return held;
        }

        if (PublishedTree is null)
        {
            return null;
        }

        if (_publishedChunks is null)
        {
            var map = new Dictionary<Digest, ChunkLocation>();
            foreach (var file in _published.Files)
            {
                long offset = 0;
                foreach (var chunk in file.Chunks)
                {
                    map.TryAdd(chunk.Digest, new ChunkLocation(PublishedTree, file.Path, offset, chunk.Length));
                    offset += chunk.Length;
                }
            }

            _publishedChunks = map;
        }

        return _publishedChunks.TryGetValue(digest, out var found) ? found : null;
    }
}

/// <summary>One chunk of a content staged in the objects tree, at an offset of that content.</summary>
internal readonly record struct StagedChunk(Digest Content, long Offset, int Length);

/// <summary>A whole content held in a file of a tree.</summary>
public readonly record struct ContentLocation(IDirectoryTree Tree, string Path, bool IsPublished);

/// <summary>One chunk held at an offset of a file of a tree.</summary>
public readonly record struct ChunkLocation(IDirectoryTree Tree, string Path, long Offset, int Length);

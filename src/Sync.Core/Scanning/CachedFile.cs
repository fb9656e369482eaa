using Sync.Core.Hashing;
using Sync.Core.Manifests;

namespace Sync.Core.Scanning;

/// <summary>
/// What the last scan learned about one file: its manifest entry, and the stat fields beyond the entry's size and
/// mtime that say whether it can be trusted. A rescan hands the same entry on when the file is unchanged, so a mirror's
/// hundreds of thousands of unchanged files cost one entry each, not an entry plus a copy of its digest and stat.
/// </summary>
public class CachedFile
{
    private static readonly Digest EmptySha256 = Digest.Compute([]);

    protected CachedFile(ManifestEntry entry, long ctimeNs, ulong inode, ulong device)
    {
        if (entry.Kind != EntryKind.File)
        {
            throw new ArgumentException($"'{entry.Path}' is not a file entry", nameof(entry));
        }

        (Entry, CtimeNs, Inode, Device) = (entry, ctimeNs, inode, device);
    }

    public ManifestEntry Entry { get; }

    /// <summary>The last scan (see <see cref="ScanCache.BeginScan"/>) that found this file in the tree.</summary>
    internal int SeenInScan { get; set; }

    public long CtimeNs { get; }

    public ulong Inode { get; }

    public ulong Device { get; }

    public long Size => Entry.Size;

    public long MtimeNs => Entry.MtimeNs;

    public Digest Digest => Entry.Digest;

    public IReadOnlyList<ChunkRef> Chunks => Entry.Chunks;

    /// <summary>
    /// The plain SHA-256 of the file's bytes, as APT indices list it, when the scan computed it for a file of more than
    /// one chunk (null otherwise). Held only by the files that have one: most of a pool never needs it.
    /// </summary>
    public virtual Digest? Sha256 => null;

    /// <summary>The SHA-256 of the whole file, where the scan knows it without reading the file again.</summary>
    public Digest? ContentSha256 => Chunks.Count switch
    {
        0 => EmptySha256,
        1 => Chunks[0].Digest,
        _ => Sha256,
    };

    public static CachedFile Create(ManifestEntry entry, long ctimeNs, ulong inode, ulong device, Digest? sha256 = null) =>
        sha256 is { } hash ? new WithSha256(entry, ctimeNs, inode, device, hash) : new CachedFile(entry, ctimeNs, inode, device);

    /// <summary>The same file under another entry (its mode changed, or a cache written before modes were kept).</summary>
    public CachedFile WithEntry(ManifestEntry entry) => Create(entry, CtimeNs, Inode, Device, Sha256);

    private sealed class WithSha256(ManifestEntry entry, long ctimeNs, ulong inode, ulong device, Digest sha256)
        : CachedFile(entry, ctimeNs, inode, device)
    {
        public override Digest? Sha256 { get; } = sha256;
    }
}

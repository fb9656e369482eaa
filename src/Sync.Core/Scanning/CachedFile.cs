using Sync.Core.Hashing;
using Sync.Core.Manifests;

namespace Sync.Core.Scanning;

/// <summary>What the last scan learned about one file, and the stat fields that say whether it can be trusted.</summary>
/// <param name="Sha256">
/// The plain SHA-256 of the file's bytes, as APT indices list it, when the scan computed it (null otherwise). A file of
/// one chunk needs none: its chunk's digest is that hash (see <see cref="ContentSha256"/>).
/// </param>
public sealed record CachedFile(
    long Size,
    long MtimeNs,
    long CtimeNs,
    ulong Inode,
    ulong Device,
    Digest Digest,
    IReadOnlyList<ChunkRef> Chunks,
    Digest? Sha256 = null)
{
    private static readonly Digest EmptySha256 = Digest.Compute([]);

    /// <summary>The SHA-256 of the whole file, where the scan knows it without reading the file again.</summary>
    public Digest? ContentSha256 => Chunks.Count switch
    {
        0 => EmptySha256,
        1 => Chunks[0].Digest,
        _ => Sha256,
    };
}

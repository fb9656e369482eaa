using Sync.Core.Hashing;
using Sync.Core.Manifests;

namespace Sync.Core.Scanning;

/// <summary>What the last scan learned about one file, and the stat fields that say whether it can be trusted.</summary>
public sealed record CachedFile(
    long Size,
    long MtimeNs,
    long CtimeNs,
    ulong Inode,
    ulong Device,
    Digest Digest,
    IReadOnlyList<ChunkRef> Chunks);

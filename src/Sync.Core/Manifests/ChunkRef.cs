using Sync.Core.Hashing;

namespace Sync.Core.Manifests;

/// <summary>One content-defined chunk of a file: its SHA-256 and length.</summary>
public readonly record struct ChunkRef(Digest Digest, int Length);

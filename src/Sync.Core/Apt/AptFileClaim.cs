using Sync.Core.Hashing;

namespace Sync.Core.Apt;

/// <summary>What an APT index says a file of the tree holds: its path from the tree's root, its size and SHA-256 (where the index gives one).</summary>
internal sealed record AptFileClaim(string Path, long Size, Digest? Sha256);

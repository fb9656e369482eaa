using System.Security.Cryptography;
using Sync.Core.Hashing;
using Sync.Core.Paths;

namespace Sync.Core.Manifests;

/// <summary>
/// Proves a received manifest harmless before the inside acts on it: clean relative paths in strict order,
/// every parent a directory of the manifest (so no entry is reached through a symlink or a file), no device
/// files, sane modes and sizes, chunk lists that add up, file digests that match their chunk lists, and symlinks
/// that, followed through the manifest's own entries, neither leave the tree nor loop.
/// </summary>
public static class ManifestValidator
{
    public static void Validate(Manifest manifest, ManifestLimits limits)
    {
        if (manifest.Entries.Count > limits.MaxEntries)
        {
            throw SyncException.Refused(RefusalKind.Damaged, $"manifest has {manifest.Entries.Count} entries, more than the limit of {limits.MaxEntries}");
        }

        var directories = new HashSet<string>(StringComparer.Ordinal);
        string? previous = null;
        Span<byte> chunkDigest = stackalloc byte[Digest.Size];
        foreach (var entry in manifest.Entries)
        {
            RelativePath.Validate(entry.Path);
            if (previous is not null && RelativePath.Compare(previous, entry.Path) >= 0)
            {
                throw SyncException.Refused(RefusalKind.Damaged, $"manifest entries out of order or duplicated at '{entry.Path}'");
            }

            previous = entry.Path;
            var parent = RelativePath.Parent(entry.Path);
            if (parent.Length > 0 && !directories.Contains(parent))
            {
                throw SyncException.Refused(RefusalKind.UnsafeEntry, $"manifest entry '{entry.Path}' is not inside a directory of the manifest (a path through a symlink or file?)");
            }

            if ((entry.Mode & ~0xFFF) != 0)
            {
                throw SyncException.Refused(RefusalKind.UnsafeEntry, $"manifest entry '{entry.Path}' has invalid mode {entry.Mode:x}");
            }

            switch (entry.Kind)
            {
                case EntryKind.Directory:
                    directories.Add(entry.Path);
                    break;
                case EntryKind.Symlink:
                    var linkProblem = RelativePath.FindLinkTargetProblem(entry.Path, entry.LinkTarget ?? string.Empty);
                    if (linkProblem is not null)
                    {
                        throw SyncException.Refused(RefusalKind.UnsafeEntry, $"manifest symlink '{entry.Path}' -> '{entry.LinkTarget}' refused: {linkProblem}");
                    }

                    break;
                case EntryKind.File:
                    ValidateFile(entry, limits, chunkDigest);
                    break;
                default:
                    throw SyncException.Refused(RefusalKind.UnsafeEntry, $"manifest entry '{entry.Path}' has an unsupported kind (device files and the like are never carried)");
            }
        }

        if (limits.ResolveLinks && LinkResolver.FindRefused(manifest).FirstOrDefault() is ({ } link, { } resolution))
        {
            throw SyncException.Refused(RefusalKind.UnsafeEntry, $"manifest symlink '{link.Path}' -> '{link.LinkTarget}' refused: {resolution.Problem(link.Path)}");
        }
    }

    private static void ValidateFile(ManifestEntry entry, ManifestLimits limits, Span<byte> scratch)
    {
        if (entry.Size < 0 || entry.Size > limits.MaxFileSize)
        {
            throw SyncException.Refused(RefusalKind.Damaged, $"manifest file '{entry.Path}' has an absurd size {entry.Size}");
        }

        long sum = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var chunk in entry.Chunks)
        {
            if (chunk.Length <= 0 || chunk.Length > limits.MaxChunkLength)
            {
                throw SyncException.Refused(RefusalKind.Damaged, $"manifest file '{entry.Path}' has a chunk of absurd length {chunk.Length}");
            }

            sum += chunk.Length;
            chunk.Digest.WriteTo(scratch);
            hash.AppendData(scratch);
        }

        if (sum != entry.Size)
        {
            throw SyncException.Refused(RefusalKind.Damaged, $"manifest file '{entry.Path}' chunks add up to {sum} bytes, not its size {entry.Size}");
        }

        if (Digest.FromBytes(hash.GetHashAndReset()) != entry.Digest)
        {
            throw SyncException.Refused(RefusalKind.Damaged, $"manifest file '{entry.Path}' digest does not match its chunk list");
        }
    }
}

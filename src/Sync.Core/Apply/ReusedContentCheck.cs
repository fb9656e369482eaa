using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Scanning;

namespace Sync.Core.Apply;

/// <summary>
/// Whether a published file may be reused (hard-linked into a new generation, or kept in place) as it is. Normally
/// the inside trusts what it published, as rsync's quick check does. After a verify found damage, or for a repair,
/// every file is re-hashed before it is reused, and one that no longer matches its manifest is never carried
/// forward: its content must come from the stream or from an intact copy.
/// </summary>
public sealed class ReusedContentCheck
{
    private readonly Dictionary<string, bool> _checked = new(StringComparer.Ordinal);

    private ReusedContentCheck(bool verify) => Verifies = verify;

    public static ReusedContentCheck Trust { get; } = new(verify: false);

    public bool Verifies { get; }

    /// <summary>Paths found damaged so far.</summary>
    public IEnumerable<string> Damaged => _checked.Where(c => !c.Value).Select(c => c.Key);

    public static ReusedContentCheck Verify() => new(verify: true);

    public async ValueTask<bool> IsIntactAsync(IDirectoryTree published, ManifestEntry entry, CancellationToken cancellationToken)
    {
        if (!Verifies)
        {
            return true;
        }

        if (_checked.TryGetValue(entry.Path, out var known))
        {
            return known;
        }

        var intact = false;
        try
        {
            if (published.TryStat(entry.Path) is { Kind: Posix.UnixFileKind.File } status && status.Size == entry.Size)
            {
                using var file = published.OpenRead(entry.Path);
                var (digest, _, length) = await TreeScanner.HashAsync(file, entry.Size, progress: null, cancellationToken).ConfigureAwait(false);
                intact = digest == entry.Digest && length == entry.Size;
            }
        }
        catch (IOException)
        {
            intact = false;
        }

        _checked[entry.Path] = intact;
        return intact;
    }
}

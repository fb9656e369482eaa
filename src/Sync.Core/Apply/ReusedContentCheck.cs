using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Posix;
using Sync.Core.Scanning;

namespace Sync.Core.Apply;

/// <summary>
/// Whether a published file may be reused (hard-linked into a new generation, or kept in place) as it is. Normally
/// the inside trusts what it published, as rsync's quick check does. After a verify found damage, and for a repair,
/// every file is checked before it is reused (content re-hashed, mode and mtime compared), and one that no longer
/// matches its manifest is never carried forward: it comes from the stream or from an intact copy instead.
/// </summary>
public sealed class ReusedContentCheck
{
    private readonly Dictionary<string, (bool Content, bool Metadata)> _checked = new(StringComparer.Ordinal);
    private readonly PublishPolicy _policy;

    private ReusedContentCheck(bool verify, PublishPolicy policy)
    {
        Verifies = verify;
        _policy = policy;
    }

    public static ReusedContentCheck Trust { get; } = new(verify: false, PublishPolicy.Default);

    public bool Verifies { get; }

    /// <summary>Paths found not to match their manifest so far.</summary>
    public IEnumerable<string> Damaged => _checked.Where(c => !(c.Value.Content && c.Value.Metadata)).Select(c => c.Key);

    public static ReusedContentCheck Verify(PublishPolicy policy) => new(verify: true, policy);

    /// <summary>True when the published file is its manifest entry: content, mode and mtime (always true when trusting).</summary>
    public async ValueTask<bool> IsIntactAsync(IDirectoryTree published, ManifestEntry entry, CancellationToken cancellationToken)
    {
        var (content, metadata) = await CheckAsync(published, entry, cancellationToken).ConfigureAwait(false);
        return content && metadata;
    }

    /// <summary>True when the published file holds the entry's bytes, whatever its metadata.</summary>
    public async ValueTask<bool> HasIntactContentAsync(IDirectoryTree published, ManifestEntry entry, CancellationToken cancellationToken) =>
        (await CheckAsync(published, entry, cancellationToken).ConfigureAwait(false)).Content;

    private async ValueTask<(bool Content, bool Metadata)> CheckAsync(IDirectoryTree published, ManifestEntry entry, CancellationToken cancellationToken)
    {
        if (!Verifies)
        {
            return (true, true);
        }

        if (_checked.TryGetValue(entry.Path, out var known))
        {
            return known;
        }

        var result = (Content: false, Metadata: false);
        try
        {
            if (published.TryStat(entry.Path) is { Kind: UnixFileKind.File } status && status.Size == entry.Size)
            {
                using var file = published.OpenRead(entry.Path);
                var (digest, _, length) = await TreeScanner.HashAsync(file, entry.Size, progress: null, cancellationToken).ConfigureAwait(false);
                result = (digest == entry.Digest && length == entry.Size, status.Mode == _policy.Mode(entry.Mode) && status.MtimeNs == entry.MtimeNs);
            }
        }
        catch (IOException)
        {
            // Unreadable is as good as damaged.
        }

        _checked[entry.Path] = result;
        return result;
    }
}

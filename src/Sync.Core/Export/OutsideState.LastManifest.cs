using Sync.Core.Delta;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Streams;

namespace Sync.Core.Export;

public sealed partial class OutsideState
{
    /// <summary>The digest of the last exported generation's manifest (empty before the first export).</summary>
    public Digest LastManifestDigest => Current.Generation == 0 ? Digest.Empty : Digest.Parse(Current.ManifestDigest);

    /// <summary>
    /// The last exported generation's manifest, parsed as it is read from this directory and checked against its
    /// digest (a mirror's 56 MB are never whole in memory); null before the first export.
    /// </summary>
    /// <param name="shareWith">Entries whose equal paths and chunk lists the parsed manifest reuses (the scan's).</param>
    public Manifest? ParseLastManifest(IWireCodec codec, ManifestLimits limits, IReadOnlyList<ManifestEntry>? shareWith = null) =>
        ReadLastManifest((stream, _) => codec.ParseManifest(stream, limits, shareWith));

    /// <summary>The block signature of the last exported manifest, for the next one's patch; null before the first export.</summary>
    public BlockSignature? LastManifestSignature() => ReadLastManifest(ManifestPatch.SignatureOf);

    private T? ReadLastManifest<T>(Func<Stream, long, T> read)
        where T : class
    {
        if (Current.Generation == 0)
        {
            return null;
        }

        var path = _manifests.PathOf(Current.Generation);
        if (!File.Exists(path))
        {
            throw new SyncException(SyncErrorKind.Failure, $"state directory lacks the manifest of generation {Current.Generation} ({path}); use --full");
        }

        return _manifests.ReadVerified(Current.Generation, Current.ManifestDigest, read)
            ?? throw new SyncException(SyncErrorKind.Failure, $"manifest of generation {Current.Generation} in the state directory is damaged; use --full");
    }
}

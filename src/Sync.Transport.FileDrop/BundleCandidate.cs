using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Engine.Inside;

namespace Sync.Transport.FileDrop;

/// <summary>
/// One bundle of a drop folder as the inside's intake takes it (`sync-inside import`): its index names the signed
/// header, its signed envelope is verified before that, and its parts must all be there, with the right sizes, before
/// anything is staged. Bundles stay in the folder (the intake's record of applied streams skips them next time) unless
/// a <see cref="BundleSettlement"/> says to delete or move those whose generation is published, or those refused.
/// </summary>
public sealed class BundleCandidate : IIntakeCandidate
{
    private readonly BundleListing _listing;
    private readonly string _dropDirectory;
    private readonly BundleSettlement _applied;
    private readonly BundleSettlement _refused;

    private BundleCandidate(BundleListing listing, string dropDirectory, BundleSettlement applied, BundleSettlement refused)
    {
        _listing = listing;
        _dropDirectory = dropDirectory;
        _applied = applied;
        _refused = refused;
        What = $"bundle {Path.GetFileName(listing.IndexPath)}";
        Claim = listing.IsValid ? new CandidateClaim(listing.ClaimedHeader.TargetGeneration, listing.ClaimedHeader.BaseGeneration, listing.ClaimedHeader.StreamIdHex) : null;
    }

    public string What { get; }

    public CandidateClaim? Claim { get; }

    public string? NamedStreamPrefix => _listing.NamedStreamPrefix;

    /// <summary>
    /// Every bundle whose index is in the folder (a damaged or untrusted index included: it is refused in one line);
    /// each index's signature is checked before it is parsed in full.
    /// </summary>
    public static IReadOnlyList<BundleCandidate> List(string dropDirectory, TrustStore trust) =>
        List(dropDirectory, trust, BundleSettlement.Keep, BundleSettlement.Keep);

    /// <summary>
    /// As above; a bundle whose generation is published is then kept, deleted or moved as <paramref name="applied"/>
    /// says, and one refused as <paramref name="refused"/> says.
    /// </summary>
    public static IReadOnlyList<BundleCandidate> List(string dropDirectory, TrustStore trust, BundleSettlement applied, BundleSettlement refused) =>
        [.. BundleCatalog.Scan(dropDirectory, trust).Select(listing => new BundleCandidate(listing, dropDirectory, applied, refused))];

    public ValueTask<CandidateHeader> ReadHeaderAsync(CancellationToken cancellationToken) => _listing.IsValid
        ? ValueTask.FromResult(new CandidateHeader(_listing.Header, Envelope: null)) // the catalog verified the envelope before parsing it
        : throw SyncException.Refused(_listing.ErrorKind, $"{What}: {_listing.Error ?? "unreadable index"}");

    public async ValueTask<IDeltaSource> OpenAsync(CancellationToken cancellationToken)
    {
        var reader = BundleReader.Open(_listing, _dropDirectory);
        try
        {
            reader.CheckPartsPresent();
            return reader;
        }
        catch
        {
            await reader.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public string Pending(Exception reason, PublishedRecord published) => reason.Message;

    public void Settle(CandidateFate fate, AppliedGeneration? applied)
    {
        if (fate is CandidateFate.Applied or CandidateFate.AlreadyApplied && _listing.IsValid)
        {
            _applied.Settle(_listing, _dropDirectory);
        }
        else if (fate == CandidateFate.Refused)
        {
            _refused.Settle(_listing, _dropDirectory);
        }
    }
}

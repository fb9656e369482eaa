using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Core.Apply;
using Sync.Core.Manifests;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Transport.FileDrop;

namespace Sync.Inside;

/// <summary>
/// Applies the complete bundles of a drop folder in generation order. Every check that can be made before
/// writing is made first (index signature, header signature, replay, base, all parts present with the right
/// sizes); contents are staged privately and verified; only then is the generation published.
/// </summary>
internal sealed class DropImporter
{
    private readonly IWireCodec _codec;
    private readonly TrustStore _trust;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public DropImporter(IWireCodec codec, TrustStore trust, ILogger logger, TimeProvider time)
    {
        _codec = codec;
        _trust = trust;
        _logger = logger;
        _time = time;
    }

    /// <summary>The operator's choices for applying (policy, re-hashing, reprepro's lock, local changes).</summary>
    public ApplySettings Settings { get; init; } = ApplySettings.Default;

    public sealed record Outcome(List<string> Applied, List<string> Pending, List<string> Refused, long BytesReceived)
    {
        /// <summary>Entries of an in-place target something else had changed, replaced because the operator said so.</summary>
        public List<string> Overwritten { get; } = [];
    }

    public async Task<Outcome> ImportAsync(
        string drop, InsideState state, string target, PublishMode mode, int keepSnapshots, OperationProgress progress, CancellationToken cancellationToken)
    {
        var applier = new StreamApplier(_codec, _trust, _logger, _time) { Settings = Settings };
        await applier.PrepareAsync(state, target, mode, cancellationToken);

        var outcome = new Outcome([], [], [], 0);
        var applied = new HashSet<string>(state.ReadStatus()?.Applied ?? [], StringComparer.Ordinal);
        if (state.Published.StreamId.Length > 0)
        {
            applied.Add(state.Published.StreamId); // also when a crashed run's journal was finished just now
        }
        var listings = BundleCatalog.Scan(drop);
        var ordered = new List<(BundleListing Listing, DeltaHeader Header)>();
        foreach (var listing in listings)
        {
            var name = Path.GetFileName(listing.IndexPath);
            try
            {
                if (!listing.IsValid)
                {
                    throw SyncException.Refused($"bundle {name}: {listing.Error ?? "unreadable index"}");
                }

                if (applied.Contains(listing.ClaimedHeader.StreamIdHex))
                {
                    continue; // applied by an earlier run, also if its key is no longer trusted (a retired key); skipping acts on nothing
                }

                _trust.Verify(listing.Envelope!, $"bundle {name}");
                var header = _codec.ParseHeader(_trust.Verify(listing.Header!, $"bundle {name}"));
                ordered.Add((listing, header));
            }
            catch (SyncException e)
            {
                outcome.Refused.Add(e.Message);
            }
        }

        long bytes = 0;
        foreach (var (listing, header) in ordered.OrderBy(b => b.Header.TargetGeneration).ThenBy(b => b.Header.BaseGeneration))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetFileName(listing.IndexPath);
            if (applied.Contains(header.StreamIdHex))
            {
                continue; // this very bundle was applied by an earlier run
            }

            try
            {
                applier.Receiver.CheckHeader(listing.Header!, state.Published, $"bundle {name}");
                await using var reader = BundleReader.Open(listing, drop);
                reader.CheckPartsPresent();
                var received = await applier.ApplyAsync(reader, state, target, mode, keepSnapshots, progress, cancellationToken, header.StreamId);
                outcome.Overwritten.AddRange(applier.Publisher.Overwritten);
                bytes += received.BytesReceived;
                applied.Add(header.StreamIdHex);
                outcome.Applied.Add($"generation {header.TargetGeneration} from {name}");
                _logger.LogInformation("Applied {Bundle}: generation {Generation}", name, header.TargetGeneration);
                state.WriteStatus(new ImportStatus(_time.GetUtcNow(), applied.ToList(), [], []));
            }
            catch (SyncException e) when (e.Kind == SyncErrorKind.MissingBase)
            {
                outcome.Pending.Add(e.Message);
            }
            catch (SyncException e) when (e.Kind == SyncErrorKind.Refused)
            {
                outcome.Refused.Add(e.Message);
            }
        }

        state.WriteStatus(new ImportStatus(_time.GetUtcNow(), applied.ToList(), outcome.Pending, outcome.Refused));
        return outcome with { BytesReceived = bytes };
    }
}

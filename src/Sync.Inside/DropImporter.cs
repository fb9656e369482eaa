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

    public sealed record Outcome(List<string> Applied, List<string> Pending, List<string> Refused, long BytesReceived);

    public async Task<Outcome> ImportAsync(
        string drop, InsideState state, string target, PublishMode mode, int keepSnapshots, OperationProgress progress, CancellationToken cancellationToken)
    {
        var publisher = new Publisher(_logger, _time);
        var receiver = new GenerationReceiver(_codec, _trust, _logger);
        publisher.Recover(state, target, mode);
        Publisher.CheckTarget(state, target, mode);

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
                receiver.CheckHeader(listing.Header!, state.Published, $"bundle {name}");
                await using var reader = BundleReader.Open(listing, drop);
                reader.CheckPartsPresent();
                bytes += await ApplyAsync(reader, header, state, target, mode, keepSnapshots, publisher, receiver, progress, cancellationToken);
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

    private async Task<long> ApplyAsync(
        IDeltaSource reader, DeltaHeader header, InsideState state, string target, PublishMode mode, int keepSnapshots,
        Publisher publisher, GenerationReceiver receiver, OperationProgress progress, CancellationToken cancellationToken)
    {
        var currentBytes = state.LoadPublishedManifest();
        var current = currentBytes is null ? Manifest.Empty : _codec.ParseManifest(currentBytes, ManifestLimits.Default);
        var staging = Publisher.StagingDirectory(state, target, mode);
        Publisher.RemoveTree(staging);
        var sources = new ContentSources(current, Publisher.PublishedRoot(state, target), Path.Combine(staging, "objects"));
        try
        {
            var received = await receiver.ReceiveAsync(reader, state.Published, sources, ManifestLimits.Default, progress, cancellationToken);
            if (!received.Header.StreamId.AsSpan().SequenceEqual(header.StreamId))
            {
                throw SyncException.Refused($"generation {header.TargetGeneration}: the parts hold another stream than the index names");
            }

            progress.StartPhase("publish");
            await publisher.PublishAsync(received, current, state, target, mode, keepSnapshots, cancellationToken);
            return received.BytesReceived;
        }
        catch (Exception) when (state.ReadJournal() is null)
        {
            // Not yet committed to publishing: drop what was staged; the published generation is untouched.
            TryCleanup(publisher, state, target, mode);
            throw;
        }
    }

    private void TryCleanup(Publisher publisher, InsideState state, string target, PublishMode mode)
    {
        try
        {
            publisher.Recover(state, target, mode);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Could not remove staged files yet ({Reason}); the next run will", e.Message);
        }
    }
}

using Microsoft.Extensions.Logging;
using Sync.Core.Manifests;
using Sync.Core.Streams;
using Sync.Core.Trust;

namespace Sync.Core.Apply;

/// <summary>
/// Applies one delta stream from any carrier: receives and verifies it into private staging, then publishes it.
/// If anything fails before the publish journal exists, what was staged is dropped and the published generation
/// is untouched; after that point the journal finishes the publish on the next run.
/// </summary>
public sealed class StreamApplier
{
    private readonly IWireCodec _codec;
    private readonly ILogger _logger;

    public StreamApplier(IWireCodec codec, TrustStore trust, ILogger logger, TimeProvider time)
    {
        _codec = codec;
        _logger = logger;
        Receiver = new GenerationReceiver(codec, trust, logger);
        Publisher = new Publisher(logger, time);
    }

    public GenerationReceiver Receiver { get; }

    public Publisher Publisher { get; }

    /// <summary>The operator's choices: metadata policy, re-hashing, reprepro's lock, local changes.</summary>
    public ApplySettings Settings { get; init; } = ApplySettings.Default;

    private PublishPolicy Policy => Settings.Policy;

    /// <summary>
    /// Finishes or rolls back an interrupted apply, then checks the target suits the mode. Call once per run. With a
    /// <paramref name="resume"/> store, what a cut receive staged is kept there first instead of being dropped.
    /// </summary>
    public async Task PrepareAsync(InsideState state, string target, PublishMode mode, ResumeStore? resume, CancellationToken cancellationToken)
    {
        if (resume is not null && state.ReadJournal() is null)
        {
            using var layout = new PublishLayout(state, target, mode);
            await TrySalvageAsync(resume, layout, cancellationToken).ConfigureAwait(false);
        }

        await PrepareAsync(state, target, mode, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Finishes or rolls back an interrupted apply, then checks the target suits the mode. Call once per run.</summary>
    public async Task PrepareAsync(InsideState state, string target, PublishMode mode, CancellationToken cancellationToken)
    {
        await Publisher.RecoverAsync(state, target, mode, cancellationToken).ConfigureAwait(false);
        Publisher.CheckTarget(state, target, mode);
        if (state.Published.Generation > 0 && state.Published.EffectivePolicy.KeepSpecialModes != Policy.KeepSpecialModes)
        {
            throw SyncException.Usage(
                $"state '{state.Root}' publishes with {state.Published.EffectivePolicy.Describe()}; pass the same option (--keep-special-modes or not) or start a new state directory");
        }
    }

    /// <summary>
    /// Receives, verifies and publishes the stream. <paramref name="expectedStreamId"/>, when given, is the stream
    /// the carrier announced (a bundle index, a session): the stream must be that one.
    /// </summary>
    public async Task<ReceivedGeneration> ApplyAsync(
        IDeltaSource source, InsideState state, string target, PublishMode mode, int keepSnapshots,
        OperationProgress progress, CancellationToken cancellationToken, byte[]? expectedStreamId = null, ResumeStore? resume = null)
    {
        var current = ParsePublished(state);
        MemoryTrim.AfterPhase(current.Entries.Count);
        using var layout = new PublishLayout(state, target, mode);
        layout.RemoveStaging();
        var sources = new ContentSources(current, layout.Published, layout.Objects);
        try
        {
            // The published manifest is read again where a patch points rather than held from here: 93 MB on a mirror.
            var received = await Receiver.ReceiveAsync(source, state.Published, state.OpenPublishedManifest, sources, ManifestLimits.Default, progress, cancellationToken, resume).ConfigureAwait(false);
            if (expectedStreamId is not null && !received.Header.StreamId.AsSpan().SequenceEqual(expectedStreamId))
            {
                throw SyncException.Refused($"generation {received.Header.TargetGeneration}: the data holds another stream than the one announced");
            }

            await Task.Yield(); // off the stack of the last read's completion, which holds what receiving built
            MemoryTrim.AfterPhase(current.Entries.Count); // what receiving and rebuilding held is done with
            progress.StartPhase("publish");
            var suspect = state.PublishedMayBeDamaged;
            if (suspect)
            {
                CoreLog.PublishedTreeDamaged(_logger);
            }

            var policy = WithOwner(state, target, mode);
            var reused = Settings.Verify || suspect ? ReusedContentCheck.Verify(policy) : ReusedContentCheck.Trust;
            await Publisher.PublishAsync(
                received.ToPublishRequest(), current, layout, new PublishOptions(policy, reused, keepSnapshots, Settings.LockTimeout, Settings.OverwriteLocalChanges, Settings.Verify), cancellationToken)
                .ConfigureAwait(false);
            if (suspect)
            {
                state.ClearVerifyRecord();
            }

            resume?.Clear();
            return received;
        }
        catch (Exception e) when (state.ReadJournal() is null)
        {
            // Not yet committed to publishing: keep what a cut stream staged if asked to, drop the rest; the
            // published generation is untouched.
            if (resume is not null && e is not SyncException { Kind: SyncErrorKind.Refused })
            {
                await TrySalvageAsync(resume, layout, CancellationToken.None).ConfigureAwait(false);
            }

            await TryCleanupAsync(state, target, mode).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The policy with the owner published entries get: the one given (--owner), else, when running as root, the owner
    /// of the directory the tree is published in (the target itself in place, the directory holding the target's
    /// symlink in snapshot mode), so a tree a service such as Landscape owns stays that service's.
    /// </summary>
    private PublishPolicy WithOwner(InsideState state, string target, PublishMode mode)
    {
        if (Policy.Owner is not null || !Posix.UnixAccounts.IsRoot)
        {
            return Policy;
        }

        var full = Path.GetFullPath(target);
        var place = mode == PublishMode.InPlace && state.FileSystem.TryStatPath(full) is { Kind: Posix.UnixFileKind.Directory } ? full : Path.GetDirectoryName(full)!;
        return state.FileSystem.TryStatPath(place) is { } owner && (owner.Uid != 0 || owner.Gid != 0)
            ? Policy with { Owner = new PublishOwner((int)owner.Uid, (int)owner.Gid) }
            : Policy;
    }

    private async Task TrySalvageAsync(ResumeStore resume, PublishLayout layout, CancellationToken cancellationToken)
    {
        try
        {
            await resume.SalvageAsync(layout.Objects, _codec, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            CoreLog.ResumeNotKept(_logger, e.Message);
        }
    }

    private async Task TryCleanupAsync(InsideState state, string target, PublishMode mode)
    {
        try
        {
            await Publisher.RecoverAsync(state, target, mode, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            CoreLog.StagingNotRemoved(_logger, e.Message);
        }
    }

    /// <summary>The published manifest, parsed; its bytes are not kept (a patch reads them again).</summary>
    private Manifest ParsePublished(InsideState state) => state.ParsePublishedManifest(_codec, ManifestLimits.Base) ?? Manifest.Empty;
}

using System.Buffers;
using Microsoft.Extensions.Logging;
using Sync.Core.FileSystem;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Storage;
using Sync.Core.Streams;
using Sync.Core.Trust;

namespace Sync.Core.Apply;

/// <summary>
/// The inside's half of the delta stream, carrier-free: checks the signed header against what is published
/// (trusted key, no replay, right base) before writing anything, then stages every content the stream
/// announces into a private objects directory, each one verified against the signed manifest. Nothing here
/// touches the published tree except to read the base.
/// </summary>
public sealed class GenerationReceiver(IWireCodec codec, TrustStore trust, ILogger logger)
{
    /// <summary>Verifies a signed header and that it applies on top of what is published; refuses otherwise.</summary>
    public DeltaHeader CheckHeader(SignedPayload signed, PublishedRecord published, string what)
    {
        var header = codec.ParseHeader(trust.Verify(signed, what));
        if (!DeltaHeader.IsReadable(header.FormatVersion, header.IsFull))
        {
            throw SyncException.Refused(RefusalKind.UnsupportedFormat, $"{what} uses format {header.FormatVersion}; this inside reads formats {DeltaHeader.SlicedManifestFormat} to {DeltaHeader.CurrentFormat}");
        }

        if (header.TargetGeneration <= published.Generation)
        {
            throw SyncException.Refused(
                RefusalKind.Replayed,
                $"{what} carries generation {header.TargetGeneration} but generation {published.Generation} is already published (replayed or out of order)");
        }

        if (header.IsFull)
        {
            return header;
        }

        if (published.Generation < header.BaseGeneration)
        {
            throw SyncException.MissingBase(
                $"{what} is a delta from generation {header.BaseGeneration}; this inside holds generation {published.Generation}: apply generation {header.BaseGeneration} first (or import a full bundle)");
        }

        if (published.Generation > header.BaseGeneration)
        {
            throw SyncException.Refused(
                RefusalKind.WrongBase,
                $"{what} is a delta from generation {header.BaseGeneration}, older than the published generation {published.Generation}; it needs a delta from generation {published.Generation} or a full bundle");
        }

        if (published.ManifestDigest != header.BaseManifestDigest.ToHex())
        {
            throw SyncException.Refused(
                RefusalKind.WrongBase,
                $"{what} is a delta from a different generation {header.BaseGeneration} than the one published here (manifest {header.BaseManifestDigest.ToShortHex()} vs {published.ManifestDigest[..Math.Min(12, published.ManifestDigest.Length)]}); it needs a full bundle");
        }

        return header;
    }

    public async Task<ReceivedGeneration> ReceiveAsync(
        IDeltaSource source,
        PublishedRecord published,
        Func<Stream?> openPublishedManifest,
        ContentSources sources,
        ManifestLimits limits,
        OperationProgress progress,
        CancellationToken cancellationToken,
        ResumeStore? resume = null)
    {
        var reader = new PeekingFrameSource(source);
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is not HeaderFrame headerFrame)
        {
            throw SyncException.Refused("delta stream does not start with a signed header");
        }

        var header = CheckHeader(headerFrame.Header, published, "delta stream");
        var what = $"generation {header.TargetGeneration}";
        var signer = trust.Find(headerFrame.Header.KeyId)!.ToString();
        CoreLog.Receiving(logger, what, signer);
        var manifestFile = await ReceiveManifestAsync(reader, header, openPublishedManifest, sources.Objects, limits, durable: resume is not null, cancellationToken)
            .ConfigureAwait(false);
        Manifest manifest;
        await using (var manifestStream = manifestFile.OpenRead())
        {
            manifest = codec.ParseManifest(manifestStream, limits, sources.Published.Entries);
        }

        if (manifest.Generation != header.TargetGeneration)
        {
            throw SyncException.Refused($"{what}: manifest names generation {manifest.Generation}");
        }

        // Off this stack first: its temporaries (and a reader's completion frames below it) still point at what
        // parsing built, which the trim would otherwise keep.
        await Task.Yield();
        MemoryTrim.AfterPhase(manifest.Entries.Count);

        progress.StartPhase("receive", header.PayloadBytes, header.ContentCount);
        if (resume is not null)
        {
            await resume.AdoptAsync(manifest, sources, cancellationToken).ConfigureAwait(false);
        }

        long bytes = 0;
        var contents = 0;
        var receivedHere = new HashSet<Digest>();
        var buffer = ArrayPool<byte>.Shared.Rent(limits.MaxChunkLength);
        var directBuffers = new Lazy<DirectWriteBuffers>(() => new DirectWriteBuffers());
        await using var rebuilds = new RecompressBatch(sources, what, cancellationToken);
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var frame = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                switch (frame)
                {
                    case ContentBeginFrame begin:
                        var entry = manifest.FindContent(begin.Digest)
                            ?? throw SyncException.Refused($"{what}: stream carries content {begin.Digest.ToShortHex()} that the manifest does not name");
                        if (!receivedHere.Add(begin.Digest))
                        {
                            throw SyncException.Refused($"{what}: content of '{entry.Path}' sent twice");
                        }

                        if (sources.Staged.Contains(begin.Digest))
                        {
                            // Kept from a cut receive and checked again when adopted; a carrier that cannot know
                            // (bundles, a diode) sends it anyway.
                            await ContentStager.SkipContentAsync(entry, begin, reader, what, cancellationToken).ConfigureAwait(false);
                            contents++;
                            progress.AddItems();
                            progress.AddBytes(entry.Size);
                            break;
                        }

                        bytes += begin.PatchBase.IsEmpty
                            ? await ContentStager.BuildFromChunksAsync(entry, reader, sources, buffer, directBuffers, what, cancellationToken).ConfigureAwait(false)
                            : await ContentStager.BuildFromPatchAsync(entry, begin.PatchBase, reader, sources, what, cancellationToken).ConfigureAwait(false);
                        sources.AddStaged(entry.Digest, entry.Chunks);
                        contents++;
                        progress.AddItems();
                        progress.AddBytes(entry.Size);
                        CrashPoints.Hit();
                        break;
                    case RecompressFrame recompress:
                        var rebuilt = manifest.FindContent(recompress.Digest)
                            ?? throw SyncException.Refused($"{what}: stream carries content {recompress.Digest.ToShortHex()} that the manifest does not name");
                        if (!receivedHere.Add(recompress.Digest))
                        {
                            throw SyncException.Refused($"{what}: content of '{rebuilt.Path}' sent twice");
                        }

                        if (recompress.PlainPatch && sources.Staged.Contains(recompress.Digest))
                        {
                            await PlainPatchStager.SkipAsync(rebuilt, reader, what, cancellationToken).ConfigureAwait(false);
                        }
                        else if (!sources.Staged.Contains(recompress.Digest))
                        {
                            // Runs beside the rest of the stream; checked and staged at the end marker.
                            var plain = recompress.PlainPatch
                                ? await PlainPatchStager.BuildAsync(rebuilt, recompress, reader, sources, what, cancellationToken).ConfigureAwait(false)
                                : null;
                            rebuilds.Start(rebuilt, recompress, plain);
                            CoreLog.Rebuilt(logger, rebuilt.Path, recompress.Setting);
                        }

                        contents++;
                        progress.AddItems();
                        progress.AddBytes(rebuilt.Size);
                        CrashPoints.Hit();
                        break;
                    case EndFrame end:
                        if (end.ContentCount != contents)
                        {
                            throw SyncException.Refused($"{what}: stream ended after {contents} contents, its end marker says {end.ContentCount}");
                        }

                        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is not null)
                        {
                            throw SyncException.Refused($"{what}: data after the end of the stream");
                        }

                        foreach (var staged in await rebuilds.CompleteAsync().ConfigureAwait(false))
                        {
                            sources.AddStaged(staged.Digest, staged.Chunks);
                        }

                        EnsureComplete(manifest, sources, what);
                        return new ReceivedGeneration(header, manifest, manifestFile, sources, bytes, contents, signer);
                    case null:
                        throw SyncException.Refused(RefusalKind.Damaged, $"{what}: stream ends before its end marker (truncated)");
                    default:
                        throw SyncException.Refused($"{what}: unexpected {frame.GetType().Name} in the content section");
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// The generation's manifest, written into the objects tree as it arrives (in slices, or rebuilt from a patch
    /// against the published manifest) and checked against the signed digest; only then does it get the name a
    /// salvage trusts (<see cref="ResumeStore.ManifestFileName"/>), durably when <paramref name="durable"/> (a receive
    /// that may resume), so that, if this receive is cut (even killed), what it staged can be checked and kept.
    /// </summary>
    private static async Task<ManifestFile> ReceiveManifestAsync(
        PeekingFrameSource reader, DeltaHeader header, Func<Stream?> openPublishedManifest, IDirectoryTree objects, ManifestLimits limits, bool durable,
        CancellationToken cancellationToken)
    {
        CheckManifestSize(header, limits);
        const string Incoming = ResumeStore.ManifestFileName + ".incoming";
        if (objects.TryStat(Incoming) is not null)
        {
            objects.DeleteFile(Incoming);
        }

        using (var file = objects.CreateFile(Incoming, 0x180))
        {
            var what = $"generation {header.TargetGeneration}";
            await using var stream = new BufferedStream(new FileHandleStream(file, writable: true), 1 << 16);
            using var incoming = new IncomingManifest(stream, header.TargetManifestSize, header.TargetManifestDigest, what);
            if (header.ManifestIsPatch)
            {
                await using var published = openPublishedManifest() ?? new MemoryStream([], writable: false);
                await ReadPatchAsync(reader, new ManifestPatchApplier(published, incoming, what), incoming, what, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await ReadSlicesAsync(reader, incoming, what, cancellationToken).ConfigureAwait(false);
            }

            if (durable)
            {
                file.Sync();
            }
        }

        objects.Rename(Incoming, objects, ResumeStore.ManifestFileName);
        if (durable)
        {
            objects.SyncDirectory(string.Empty);
        }

        return new ManifestFile(objects, ResumeStore.ManifestFileName);
    }

    private static async Task ReadSlicesAsync(PeekingFrameSource reader, IncomingManifest incoming, string what, CancellationToken cancellationToken)
    {
        while (incoming.Remaining > 0)
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is not ManifestSliceFrame slice)
            {
                break; // Finish says how far it got
            }

            incoming.Append(slice.Data.Span);
        }

        incoming.Finish();
    }

    /// <summary>
    /// A delta's manifest as patch frames against the published manifest: <see cref="CheckHeader"/> found the published
    /// generation to be the header's base, and <see cref="InsideState.OpenPublishedManifest"/> checked that file against
    /// its digest. Whatever the ops say, the result is used only if it matches the signed target digest.
    /// </summary>
    private static async Task ReadPatchAsync(
        PeekingFrameSource reader, ManifestPatchApplier applier, IncomingManifest incoming, string what, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is not PatchFrame patch)
            {
                throw SyncException.Refused(RefusalKind.Damaged, $"{what}: manifest patch truncated at {incoming.Written} of {incoming.SignedSize} bytes");
            }

            foreach (var op in patch.Ops)
            {
                applier.Apply(op);
            }

            if (patch.Last)
            {
                applier.Finish();
                return;
            }
        }
    }

    private static void CheckManifestSize(DeltaHeader header, ManifestLimits limits)
    {
        if (header.TargetManifestSize <= 0 || header.TargetManifestSize > limits.MaxManifestBytes)
        {
            throw SyncException.Refused($"generation {header.TargetGeneration}: manifest size {header.TargetManifestSize} is outside the limit of {limits.MaxManifestBytes} bytes");
        }
    }

    private static void EnsureComplete(Manifest manifest, ContentSources sources, string what)
    {
        foreach (var file in manifest.Files)
        {
            if (sources.FindContent(file.Digest) is null)
            {
                throw SyncException.Refused($"{what}: no content for '{file.Path}' in the stream nor on the inside (wrong base?)");
            }
        }
    }
}

using System.Buffers;
using Microsoft.Extensions.Logging;
using Sync.Core.Delta;
using Sync.Core.FileSystem;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Scanning;
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
public sealed class GenerationReceiver
{
    /// <summary>Staged objects are private to the inside: owner read and write only, until published with their own mode.</summary>
    private const int ObjectMode = 0x180;

    private readonly IWireCodec _codec;
    private readonly TrustStore _trust;
    private readonly ILogger _logger;

    public GenerationReceiver(IWireCodec codec, TrustStore trust, ILogger logger)
    {
        _codec = codec;
        _trust = trust;
        _logger = logger;
    }

    /// <summary>Verifies a signed header and that it applies on top of what is published; refuses otherwise.</summary>
    public DeltaHeader CheckHeader(SignedPayload signed, PublishedRecord published, string what)
    {
        var header = _codec.ParseHeader(_trust.Verify(signed, what));
        if (header.FormatVersion != DeltaHeader.CurrentFormat)
        {
            throw SyncException.Refused(RefusalKind.UnsupportedFormat, $"{what} uses format {header.FormatVersion}; this inside reads format {DeltaHeader.CurrentFormat}");
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
        ContentSources sources,
        ManifestLimits limits,
        OperationProgress progress,
        CancellationToken cancellationToken,
        ResumeStore? resume = null)
    {
        var reader = new PeekingSource(source);
        if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is not HeaderFrame headerFrame)
        {
            throw SyncException.Refused("delta stream does not start with a signed header");
        }

        var header = CheckHeader(headerFrame.Header, published, "delta stream");
        var what = $"generation {header.TargetGeneration}";
        var signer = _trust.Find(headerFrame.Header.KeyId)!.ToString();
        _logger.LogInformation("Receiving {What}, signed by trusted key {Key}", what, signer);
        var manifestBytes = await ReadManifestAsync(reader, header, limits, cancellationToken).ConfigureAwait(false);
        var manifest = _codec.ParseManifest(manifestBytes, limits);
        if (manifest.Generation != header.TargetGeneration)
        {
            throw SyncException.Refused($"{what}: manifest names generation {manifest.Generation}");
        }

        progress.StartPhase("receive", header.PayloadBytes, header.ContentCount);
        if (resume is not null)
        {
            // Kept beside the objects so that, if this receive is cut (even killed), what it staged can be checked and kept.
            sources.Objects.WriteAtomically(ResumeStore.ManifestFileName, manifestBytes);
            await resume.AdoptAsync(manifest, sources, cancellationToken).ConfigureAwait(false);
        }

        long bytes = 0;
        var contents = 0;
        var receivedHere = new HashSet<Digest>();
        var buffer = ArrayPool<byte>.Shared.Rent(limits.MaxChunkLength);
        var directBuffers = new Lazy<DirectWriteBuffers>(() => new DirectWriteBuffers());
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
                            await SkipContentAsync(entry, begin, reader, what, cancellationToken).ConfigureAwait(false);
                            contents++;
                            progress.AddItems();
                            progress.AddBytes(entry.Size);
                            break;
                        }

                        bytes += begin.PatchBase.IsEmpty
                            ? await BuildFromChunksAsync(entry, reader, sources, buffer, directBuffers, what, cancellationToken).ConfigureAwait(false)
                            : await BuildFromPatchAsync(entry, begin.PatchBase, reader, sources, what, cancellationToken).ConfigureAwait(false);
                        sources.AddStaged(entry.Digest, entry.Chunks);
                        contents++;
                        progress.AddItems();
                        progress.AddBytes(entry.Size);
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

                        EnsureComplete(manifest, sources, what);
                        return new ReceivedGeneration(header, manifest, manifestBytes, sources, bytes, contents, signer);
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

    private static async Task<byte[]> ReadManifestAsync(PeekingSource reader, DeltaHeader header, ManifestLimits limits, CancellationToken cancellationToken)
    {
        if (header.TargetManifestSize <= 0 || header.TargetManifestSize > limits.MaxManifestBytes)
        {
            throw SyncException.Refused($"generation {header.TargetGeneration}: manifest size {header.TargetManifestSize} is outside the limit of {limits.MaxManifestBytes} bytes");
        }

        var bytes = new byte[header.TargetManifestSize];
        var filled = 0;
        while (filled < bytes.Length)
        {
            if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is not ManifestSliceFrame slice)
            {
                throw SyncException.Refused(RefusalKind.Damaged, $"generation {header.TargetGeneration}: manifest truncated at {filled} of {bytes.Length} bytes");
            }

            if (slice.Data.Length > bytes.Length - filled)
            {
                throw SyncException.Refused(RefusalKind.Damaged, $"generation {header.TargetGeneration}: manifest longer than its signed size");
            }

            slice.Data.Span.CopyTo(bytes.AsSpan(filled));
            filled += slice.Data.Length;
        }

        if (Digest.Compute(bytes) != header.TargetManifestDigest)
        {
            throw SyncException.Refused(RefusalKind.Damaged, $"generation {header.TargetGeneration}: manifest does not match its signed digest (altered or damaged)");
        }

        return bytes;
    }

    private static async Task<long> BuildFromChunksAsync(
        ManifestEntry entry, PeekingSource reader, ContentSources sources, byte[] buffer, Lazy<DirectWriteBuffers> directBuffers, string what,
        CancellationToken cancellationToken)
    {
        // Written under its final name: objects/ is private to this apply and discarded whole if it fails, and a
        // content counts as staged only once AddStaged is called after it is complete.
        var final = ContentSources.ObjectPath(entry.Digest);
        var direct = entry.Size >= DirectFileWriter.MinimumLength && !HasRepeatedChunks(entry)
            ? DirectFileWriter.TryCreate(sources.Objects, final, ObjectMode, entry.Size, directBuffers.Value)
            : null;
        if (direct is null)
        {
            return await BuildThroughPageCacheAsync(entry, final, reader, sources, buffer, what, cancellationToken).ConfigureAwait(false);
        }

        await using (direct.ConfigureAwait(false))
        {
            long received = 0;
            foreach (var chunk in entry.Chunks)
            {
                var streamed = await TakeStreamedChunkAsync(entry, chunk, reader, what, cancellationToken).ConfigureAwait(false);
                if (streamed is { } data)
                {
                    await direct.AppendAsync(data, cancellationToken).ConfigureAwait(false);
                    received += chunk.Length;
                }
                else
                {
                    var memory = buffer.AsMemory(0, chunk.Length);
                    await ReadLocalChunkAsync(entry, chunk, sources, memory, what, cancellationToken).ConfigureAwait(false);
                    await direct.AppendAsync(memory, cancellationToken).ConfigureAwait(false);
                }
            }

            await direct.CompleteAsync(cancellationToken).ConfigureAwait(false);
            return received;
        }
    }

    /// <summary>The general path: chunks may repeat within the file, so earlier ones are read back from it.</summary>
    private static async Task<long> BuildThroughPageCacheAsync(
        ManifestEntry entry, string final, PeekingSource reader, ContentSources sources, byte[] buffer, string what, CancellationToken cancellationToken)
    {
        long received = 0;
        var ownChunks = new Dictionary<Digest, long>();
        using (var output = sources.Objects.CreateFile(final, ObjectMode))
        {
            long offset = 0;
            foreach (var chunk in entry.Chunks)
            {
                var streamed = await TakeStreamedChunkAsync(entry, chunk, reader, what, cancellationToken).ConfigureAwait(false);
                if (streamed is { } data)
                {
                    await output.WriteAsync(data, offset, cancellationToken).ConfigureAwait(false);
                    received += chunk.Length;
                }
                else
                {
                    var memory = buffer.AsMemory(0, chunk.Length);
                    if (ownChunks.TryGetValue(chunk.Digest, out var earlier))
                    {
                        await output.ReadExactlyAsync(memory, earlier, cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await ReadLocalChunkAsync(entry, chunk, sources, memory, what, cancellationToken).ConfigureAwait(false);
                    }

                    await output.WriteAsync(memory, offset, cancellationToken).ConfigureAwait(false);
                }

                ownChunks.TryAdd(chunk.Digest, offset);
                offset += chunk.Length;
            }
        }

        return received;
    }

    /// <summary>
    /// The chunk's bytes when the stream carries it next, verified against the manifest; null when it does not (the
    /// inside already holds it). The memory is valid until the next read of the stream.
    /// </summary>
    private static async ValueTask<ReadOnlyMemory<byte>?> TakeStreamedChunkAsync(
        ManifestEntry entry, ChunkRef chunk, PeekingSource reader, string what, CancellationToken cancellationToken)
    {
        var next = await reader.PeekAsync(cancellationToken).ConfigureAwait(false);
        if (next is not ChunkFrame frame || frame.Digest != chunk.Digest)
        {
            return null;
        }

        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (frame.Data.Length != chunk.Length || Digest.Compute(frame.Data.Span) != chunk.Digest)
        {
            throw SyncException.Refused(RefusalKind.Damaged, $"{what}: chunk {chunk.Digest.ToShortHex()} of '{entry.Path}' is damaged");
        }

        return frame.Data;
    }

    /// <summary>Reads a chunk the stream left out from wherever the inside holds it, and checks it.</summary>
    private static async Task ReadLocalChunkAsync(
        ManifestEntry entry, ChunkRef chunk, ContentSources sources, Memory<byte> memory, string what, CancellationToken cancellationToken)
    {
        var location = sources.FindChunk(chunk.Digest)
            ?? throw SyncException.Refused($"{what}: stream lacks chunk {chunk.Digest.ToShortHex()} of '{entry.Path}' and the inside does not hold it (wrong base?)");
        try
        {
            using var input = location.Tree.OpenRead(location.Path);
            await input.ReadExactlyAsync(memory, location.Offset, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or EndOfStreamException)
        {
            throw new SyncException(SyncErrorKind.Failure, $"cannot read a chunk of local file '{Path.Join(location.Tree.Root, location.Path)}' ({e.Message}); run 'sync-inside verify'", e);
        }

        if (Digest.Compute(memory.Span) != chunk.Digest)
        {
            throw new SyncException(SyncErrorKind.Failure, $"local file '{Path.Join(location.Tree.Root, location.Path)}' does not match its manifest (changed or damaged on the inside); run 'sync-inside repair'");
        }
    }

    /// <summary>Reads past a content the inside already holds: its chunks are still checked, its patch bounded.</summary>
    private static async Task SkipContentAsync(ManifestEntry entry, ContentBeginFrame begin, PeekingSource reader, string what, CancellationToken cancellationToken)
    {
        if (begin.PatchBase.IsEmpty)
        {
            foreach (var chunk in entry.Chunks)
            {
                await TakeStreamedChunkAsync(entry, chunk, reader, what, cancellationToken).ConfigureAwait(false);
            }

            return;
        }

        long literal = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is PatchFrame patch)
        {
            literal += patch.Ops.Sum(o => (long)o.Data.Length);
            if (literal > entry.Size)
            {
                throw SyncException.Refused($"{what}: patch for '{entry.Path}' grows past the file's signed size");
            }

            if (patch.Last)
            {
                return;
            }
        }

        throw SyncException.Refused($"{what}: patch for '{entry.Path}' is truncated");
    }

    private static bool HasRepeatedChunks(ManifestEntry entry)
    {
        var seen = new HashSet<Digest>(entry.Chunks.Count);
        foreach (var chunk in entry.Chunks)
        {
            if (!seen.Add(chunk.Digest))
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<long> BuildFromPatchAsync(
        ManifestEntry entry, Digest patchBase, PeekingSource reader, ContentSources sources, string what, CancellationToken cancellationToken)
    {
        var baseLocation = sources.FindContent(patchBase)
            ?? throw SyncException.Refused($"{what}: patch for '{entry.Path}' needs content {patchBase.ToShortHex()}, which the inside does not hold (wrong base?)");
        var final = ContentSources.ObjectPath(entry.Digest);
        var temp = final + ".part";
        sources.Objects.RemoveTree(temp);
        long received = 0;
        using (var baseFile = baseLocation.Tree.OpenRead(baseLocation.Path))
        using (var outputFile = sources.Objects.CreateFile(temp, ObjectMode))
        await using (var baseStream = new BufferedStream(new FileHandleStream(baseFile, writable: false), 1 << 16))
        await using (var output = new BufferedStream(new FileHandleStream(outputFile, writable: true), 1 << 16))
        {
            var applier = new DeltaApplier(baseStream, output);
            while (true)
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) is not PatchFrame patch)
                {
                    throw SyncException.Refused($"{what}: patch for '{entry.Path}' is truncated");
                }

                foreach (var op in patch.Ops)
                {
                    if (output.Position + (op.IsCopy ? op.Length : op.Data.Length) > entry.Size)
                    {
                        throw SyncException.Refused($"{what}: patch for '{entry.Path}' grows past the file's signed size");
                    }

                    received += op.IsCopy ? 0 : op.Data.Length;
                    await applier.ApplyAsync(op, cancellationToken).ConfigureAwait(false);
                }

                if (patch.Last)
                {
                    break;
                }
            }
        }

        // The patch carries no chunk digests of its own: re-chunk the result and compare with the signed manifest.
        Digest digest;
        long length;
        using (var result = sources.Objects.OpenRead(temp))
        {
            (digest, _, length) = await TreeScanner.HashAsync(result, entry.Size, progress: null, cancellationToken).ConfigureAwait(false);
        }

        if (digest != entry.Digest || length != entry.Size)
        {
            sources.Objects.DeleteFile(temp);
            throw baseLocation.IsPublished
                ? new SyncException(SyncErrorKind.Failure, $"{what}: '{entry.Path}' rebuilt from its patch does not match the signed manifest; the published file it patches ('{baseLocation.Path}') may have been changed on the inside: run 'sync-inside repair'")
                : SyncException.Refused($"{what}: '{entry.Path}' rebuilt from its patch does not match the signed manifest");
        }

        sources.Objects.Rename(temp, sources.Objects, final);
        return received;
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

    /// <summary>One frame of lookahead, so a chunk the stream carries is taken from it and others from disk.</summary>
    private sealed class PeekingSource
    {
        private readonly IDeltaSource _source;
        private DeltaFrame? _peeked;
        private bool _hasPeeked;

        public PeekingSource(IDeltaSource source) => _source = source;

        public async ValueTask<DeltaFrame?> PeekAsync(CancellationToken cancellationToken)
        {
            if (!_hasPeeked)
            {
                _peeked = await _source.ReadAsync(cancellationToken).ConfigureAwait(false);
                _hasPeeked = true;
            }

            return _peeked;
        }

        public async ValueTask<DeltaFrame?> ReadAsync(CancellationToken cancellationToken)
        {
            if (_hasPeeked)
            {
                _hasPeeked = false;
                var frame = _peeked;
                _peeked = null;
                return frame;
            }

            return await _source.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}

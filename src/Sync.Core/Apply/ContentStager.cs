using Sync.Core.Delta;
using Sync.Core.FileSystem;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Scanning;
using Sync.Core.Storage;
using Sync.Core.Streams;

namespace Sync.Core.Apply;

/// <summary>
/// Stages one content the stream announces into the apply's private objects directory: from its chunks (streamed,
/// or read from wherever the inside already holds them) or from a byte patch against a base it holds, each chunk and
/// the whole checked against the signed manifest; or reads past a content already staged, still checking it.
/// </summary>
internal static class ContentStager
{
    /// <summary>Staged objects are private to the inside: owner read and write only, until published with their own mode.</summary>
    internal const int ObjectMode = 0x180;

    internal static async Task<long> BuildFromChunksAsync(
        ManifestEntry entry, PeekingFrameSource reader, ContentSources sources, byte[] buffer, Lazy<DirectWriteBuffers> directBuffers, string what,
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
        ManifestEntry entry, string final, PeekingFrameSource reader, ContentSources sources, byte[] buffer, string what, CancellationToken cancellationToken)
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
        ManifestEntry entry, ChunkRef chunk, PeekingFrameSource reader, string what, CancellationToken cancellationToken)
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
    internal static async Task SkipContentAsync(ManifestEntry entry, ContentBeginFrame begin, PeekingFrameSource reader, string what, CancellationToken cancellationToken)
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

    internal static async Task<long> BuildFromPatchAsync(
        ManifestEntry entry, Digest patchBase, PeekingFrameSource reader, ContentSources sources, string what, CancellationToken cancellationToken)
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
}

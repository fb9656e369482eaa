using System.Buffers;
using Sync.Core.Delta;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Storage;
using Sync.Core.Streams;
using Sync.Core.Trust;

namespace Sync.Core.Export;

/// <summary>
/// A scanned, planned and signed generation, ready to be written into a carrier. Reads the source again only
/// for the contents it sends, and checks each chunk against the manifest so a file changed since the scan is
/// caught here rather than refused on the inside.
/// </summary>
public sealed class PreparedExport : IDisposable
{
    public const int ManifestSliceBytes = 1 << 20;
    private const int PatchFrameBytes = 1 << 20;
    private const int PatchFrameOps = 8192;

    private readonly string _source;
    private readonly IReadOnlyList<ContentPlan> _plans;
    private readonly Manifest _base;
    private readonly IReadOnlySet<Digest> _heldChunks;
    private Emission? _emission;

    internal PreparedExport(
        string source,
        Manifest target,
        StagedManifest manifestFile,
        DeltaHeader header,
        SignedPayload signedHeader,
        IReadOnlyList<ContentPlan> plans,
        ExportSummary summary,
        Manifest baseManifest,
        IReadOnlySet<Digest> heldChunks,
        IReadOnlyList<DeltaOp>? manifestPatch = null)
    {
        _heldChunks = heldChunks;
        ManifestPatch = manifestPatch;
        _source = source;
        Target = target;
        ManifestFile = manifestFile;
        Header = header;
        SignedHeader = signedHeader;
        _plans = plans;
        Summary = summary;
        _base = baseManifest;
    }

    public Manifest Target { get; }

    /// <summary>The target's manifest, staged in the state directory rather than held (<see cref="StagedManifest"/>).</summary>
    public StagedManifest ManifestFile { get; }

    /// <summary>For a delta, the ops that rebuild <see cref="ManifestFile"/> from the base's manifest (the header says so); null: sent whole.</summary>
    public IReadOnlyList<DeltaOp>? ManifestPatch { get; }

    public Digest ManifestDigest => ManifestFile.Digest;

    public DeltaHeader Header { get; }

    public SignedPayload SignedHeader { get; }

    public ExportSummary Summary { get; }

    public bool NothingChanged => Summary.NothingChanged;

    internal static PreparedExport Unchanged(ExportSummary summary) =>
        new(string.Empty, Manifest.Empty, StagedManifest.None, null!, null!, [], summary, Manifest.Empty, new HashSet<Digest>());

    /// <summary>
    /// Writes the stream. With <paramref name="rehashSource"/> every chunk read from the source is hashed again, so
    /// a file changed since the scan never leaves in a bundle that the inside would refuse after it was carried
    /// across; without it (a carrier whose inside answers at once, like gRPC) a file is checked by its size and
    /// times before and after it is read, and the inside's own check of every chunk is the cryptographic one.
    /// </summary>
    public async Task EmitAsync(IDeltaSink sink, OperationProgress progress, CancellationToken cancellationToken, bool rehashSource = true)
    {
        if (NothingChanged)
        {
            throw new InvalidOperationException("nothing to emit");
        }

        progress.StartPhase("send", Header.PayloadBytes + ManifestFile.Length, _plans.Count);
        long frames = 0;
        await sink.WriteAsync(new HeaderFrame(SignedHeader), cancellationToken).ConfigureAwait(false);
        frames++;
        frames += Header.ManifestIsPatch
            ? await EmitManifestPatchAsync(sink, progress, cancellationToken).ConfigureAwait(false)
            : await EmitManifestSlicesAsync(sink, progress, cancellationToken).ConfigureAwait(false);

        var available = AvailableChunks.Of(_base, _heldChunks);

        foreach (var plan in RecompressPlanner.EmissionOrder(_plans))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (plan.IsRecompress)
            {
                await sink.WriteAsync(
                    new RecompressFrame(plan.Source.Digest, plan.RecompressSource!.Digest, plan.Setting!) { PlainPatch = plan.PlainPath is not null },
                    cancellationToken).ConfigureAwait(false);
                frames++;
                if (plan.PlainPath is { } plain)
                {
                    frames += await EmitPatchAsync(plan, plain, plan.PlainLength, sink, progress, cancellationToken).ConfigureAwait(false);
                }

                progress.AddItems();
                continue;
            }

            await sink.WriteAsync(new ContentBeginFrame(plan.Source.Digest, plan.PatchBase?.Digest ?? Digest.Empty), cancellationToken).ConfigureAwait(false);
            frames++;
            frames += plan.IsPatch
                ? await EmitPatchAsync(plan, Path.Combine(_source, plan.Source.Path), plan.Source.Size, sink, progress, cancellationToken).ConfigureAwait(false)
                : await EmitChunksAsync(plan.Source, available, sink, progress, rehashSource, cancellationToken).ConfigureAwait(false);
            progress.AddItems();
        }

        await sink.WriteAsync(new EndFrame(_plans.Count, frames + 1), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// File drop: records the sealed bundle (its index bytes kept) before the index is renamed into place; see
    /// <see cref="OutsideState.RecordBundle"/>.
    /// </summary>
    public void RecordBundle(OutsideState state, string indexName, byte[] indexBytes)
    {
        var emission = Emitted(Emission.FileDrop);
        state.RecordBundle(emission, ManifestFile, indexName, indexBytes);
        _emission = emission;
    }

    /// <summary>
    /// UDP: records the generation before its spool stream (in the state directory) appears under its final name;
    /// see <see cref="OutsideState.RecordSpooled"/>.
    /// </summary>
    public void MarkPending(OutsideState state, string spoolPath)
    {
        var emission = Emitted(Emission.Udp);
        state.RecordSpooled(emission, ManifestFile, spoolPath);
        _emission = emission;
    }

    /// <summary>gRPC: records the generation before its first frame leaves; see <see cref="OutsideState.RecordSent"/>.</summary>
    public void RecordSent(OutsideState state)
    {
        var emission = Emitted(Emission.Grpc);
        state.RecordSent(emission, ManifestFile);
        _emission = emission;
    }

    /// <summary>
    /// If the carrier failed before the generation could become visible: its number stays used, the base stays.
    /// </summary>
    public void Abandon(OutsideState state) => state.Abandon();

    /// <summary>
    /// Makes this generation the base of the next export. Call only once the carrier has it safe (visible, sent, or
    /// published by the inside), and only after one of the Record methods.
    /// </summary>
    public void Commit(OutsideState state, DateTimeOffset when)
    {
        var emission = _emission ?? throw new InvalidOperationException("record the emission (RecordBundle, MarkPending or RecordSent) before committing it");
        state.Commit(emission, ManifestFile, when);
        var keep = new HashSet<Digest>(Target.Entries.Count(e => e.IsFile));
        foreach (var file in Target.Files)
        {
            keep.Add(file.Digest);
        }

        state.Signatures.Prune(keep);
        state.PlainSignatures.Prune(keep);
    }

    /// <summary>Forgets the staged manifest; the state keeps its own link to it once an emission was recorded.</summary>
    public void Dispose() => ManifestFile.Dispose();

    private Emission Emitted(string carrier) =>
        new(Header.TargetGeneration, Header.BaseGeneration, ManifestDigest.ToHex(), Header.StreamIdHex, carrier, Header.Created, Emission.Pending,
            KeyId: Trust.KeyId.ToHex(SignedHeader.KeyId));

    private async Task<long> EmitChunksAsync(
        ManifestEntry file, HashSet<Digest> available, IDeltaSink sink, OperationProgress progress, bool rehash, CancellationToken cancellationToken)
    {
        var path = Path.Combine(_source, file.Path);
        var before = rehash ? default : UnchangedSinceScan(file, path);
        var maxChunk = file.Chunks.Count == 0 ? 1 : file.Chunks.Max(c => c.Length);
        var buffer = ArrayPool<byte>.Shared.Rent(maxChunk);
        long frames = 0;
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long offset = 0;
            foreach (var chunk in file.Chunks)
            {
                if (available.Add(chunk.Digest))
                {
                    var memory = buffer.AsMemory(0, chunk.Length);
                    var read = await RandomAccess.ReadAsync(handle, memory, offset, cancellationToken).ConfigureAwait(false);
                    while (read < chunk.Length)
                    {
                        var more = await RandomAccess.ReadAsync(handle, memory[read..], offset + read, cancellationToken).ConfigureAwait(false);
                        if (more == 0)
                        {
                            throw ChangedSinceScan(file.Path);
                        }

                        read += more;
                    }

                    if (rehash && Digest.Compute(memory.Span) != chunk.Digest)
                    {
                        throw ChangedSinceScan(file.Path);
                    }

                    await sink.WriteAsync(new ChunkFrame(chunk.Digest, memory), cancellationToken).ConfigureAwait(false);
                    progress.AddBytes(chunk.Length);
                    frames++;
                }

                offset += chunk.Length;
            }

            if (!rehash && UnchangedSinceScan(file, path) != before)
            {
                throw ChangedSinceScan(file.Path);
            }
        }
        catch (FileNotFoundException)
        {
            throw ChangedSinceScan(file.Path);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return frames;
    }

    /// <summary>The file's change time, after checking its size and modification time are still those scanned.</summary>
    private static long UnchangedSinceScan(ManifestEntry file, string path)
    {
        var status = Posix.Posix.TryLStat(path);
        if (status is not { Kind: Posix.UnixFileKind.File } s || s.Size != file.Size || s.MtimeNs != file.MtimeNs)
        {
            throw ChangedSinceScan(file.Path);
        }

        return s.CtimeNs;
    }

    private async Task<long> EmitManifestSlicesAsync(IDeltaSink sink, OperationProgress progress, CancellationToken cancellationToken)
    {
        long frames = 0;
        var slice = ArrayPool<byte>.Shared.Rent(ManifestSliceBytes);
        try
        {
            await using var stream = ManifestFile.OpenRead();
            for (long offset = 0; offset < ManifestFile.Length; offset += ManifestSliceBytes)
            {
                var length = (int)Math.Min(ManifestSliceBytes, ManifestFile.Length - offset);
                await stream.ReadExactlyAsync(slice.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                await sink.WriteAsync(new ManifestSliceFrame(slice.AsMemory(0, length)), cancellationToken).ConfigureAwait(false);
                progress.AddBytes(length);
                frames++;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(slice);
        }

        return frames;
    }

    /// <summary>The manifest patch in frames of the content patches' size; the last one says so.</summary>
    private async Task<long> EmitManifestPatchAsync(IDeltaSink sink, OperationProgress progress, CancellationToken cancellationToken)
    {
        var ops = ManifestPatch!;
        long frames = 0;
        var start = 0;
        while (start < ops.Count)
        {
            var end = start;
            long bytes = 0;
            while (end < ops.Count && end - start < PatchFrameOps && bytes < PatchFrameBytes)
            {
                bytes += ops[end].IsCopy ? 0 : ops[end].Length;
                end++;
            }

            var batch = new DeltaOp[end - start];
            for (var i = 0; i < batch.Length; i++)
            {
                batch[i] = ops[start + i];
            }

            await sink.WriteAsync(new PatchFrame(batch, Last: end == ops.Count), cancellationToken).ConfigureAwait(false);
            progress.AddBytes(bytes);
            frames++;
            start = end;
        }

        return frames;
    }

    /// <summary>Patch frames turning the content <c>plan.Signature</c> describes into <paramref name="path"/> (the source file, or a plain text).</summary>
    private static async Task<long> EmitPatchAsync(
        ContentPlan plan, string path, long expectedSize, IDeltaSink sink, OperationProgress progress, CancellationToken cancellationToken)
    {
        var batch = new List<DeltaOp>();
        long batchBytes = 0, frames = 0, total = 0;
        try
        {
            await using var stream = SequentialFile.OpenRead(path);
            await DeltaEncoder.EncodeAsync(plan.Signature!, stream, async (op, ct) =>
            {
                // The encoder reuses its buffer after this call returns, so literals are copied into the batch.
                batch.Add(op.IsCopy ? op : DeltaOp.Literal(op.Data.ToArray()));
                batchBytes += op.IsCopy ? 0 : op.Data.Length;
                total += op.IsCopy ? op.Length : op.Data.Length;
                if (batchBytes >= PatchFrameBytes || batch.Count >= PatchFrameOps)
                {
                    await sink.WriteAsync(new PatchFrame(batch.ToArray(), Last: false), ct).ConfigureAwait(false);
                    progress.AddBytes(batchBytes);
                    frames++;
                    batch.Clear();
                    batchBytes = 0;
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (FileNotFoundException)
        {
            throw ChangedSinceScan(plan.Source.Path);
        }

        if (total != expectedSize)
        {
            throw ChangedSinceScan(plan.Source.Path);
        }

        await sink.WriteAsync(new PatchFrame(batch.ToArray(), Last: true), cancellationToken).ConfigureAwait(false);
        progress.AddBytes(batchBytes);
        return frames + 1;
    }

    private static SyncException ChangedSinceScan(string path) =>
        new(SyncErrorKind.Failure, $"source file '{path}' changed while it was being exported; run again when the writer is done");
}

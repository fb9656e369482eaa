using Sync.Core.Apply;
using Sync.Core.Export;
using Sync.Core.Manifests;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Protocol;
using Sync.Testing.FileSystem;
using Sync.Testing.Logging;
using Sync.Testing.Streams;

namespace Sync.Core.Tests.Export;

/// <summary>
/// The domain pipeline in one process, no carrier: scan and plan on the outside, receive and publish on the
/// inside. Checks what the planner chooses to send and that the result is exact.
/// </summary>
public sealed class ExportApplyTests : IDisposable
{
    private readonly TempDirectory _dir = new("sync-plan-");
    private readonly LogScope _log = new();
    private readonly ProtobufWireCodec _codec = new();

    private string P(string name) => _dir.Combine(name);

    public void Dispose()
    {
        _dir.Dispose();
        _log.Dispose();
    }

    private static void Write(string path, byte[] bytes)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private async Task<(PreparedExport Export, MemoryDeltaStream Stream)> ExportAsync(SigningKey key, bool full = false)
    {
        using var state = OutsideState.Open(P("out"));
        var exporter = new DeltaExporter(_codec, _log.CreateLogger(nameof(DeltaExporter)), TimeProvider.System);
        var prepared = await exporter.PrepareAsync(P("src"), state, key, new ExportOptions { Full = full }, new OperationProgress(), CancellationToken.None);
        var stream = new MemoryDeltaStream();
        if (!prepared.NothingChanged)
        {
            prepared.RecordSent(state); // as an answering carrier does before its first frame
            await prepared.EmitAsync(stream, new OperationProgress(), CancellationToken.None);
            prepared.Commit(state, DateTimeOffset.UtcNow);
        }

        return (prepared, stream);
    }

    private async Task ApplyAsync(MemoryDeltaStream stream, PublishMode mode)
    {
        using var trust = TrustStore.Load([P("key.pub")]);
        using var state = InsideState.OpenForWrite(P("in"));
        var target = P("target");
        var applier = new StreamApplier(_codec, trust, _log.CreateLogger(nameof(StreamApplier)), TimeProvider.System);
        await applier.PrepareAsync(state, target, mode, CancellationToken.None);
        await applier.ApplyAsync(stream, state, target, mode, 2, new OperationProgress(), CancellationToken.None);
    }

    private static byte[] Content(string root, string path) => File.ReadAllBytes(Path.Combine(root, path));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_source_file_rewritten_after_the_scan_stops_the_stream_with_a_clear_error(bool rehashSource)
    {
        SigningKey.Generate(P("key"));
        using var key = SigningKey.Load(P("key"));
        Write(P("src/pool/a.deb"), RandomBytes(2_000_000, 5));
        using var state = OutsideState.Open(P("out"));
        var exporter = new DeltaExporter(_codec, _log.CreateLogger(nameof(DeltaExporter)), TimeProvider.System);
        var prepared = await exporter.PrepareAsync(P("src"), state, key, new ExportOptions(), new OperationProgress(), CancellationToken.None);

        // A writer replaces the bytes (same size) after the scan; its write moves the modification time.
        Write(P("src/pool/a.deb"), RandomBytes(2_000_000, 6));
        File.SetLastWriteTimeUtc(P("src/pool/a.deb"), DateTime.UtcNow.AddSeconds(5));

        var e = await Assert.ThrowsAsync<SyncException>(
            () => prepared.EmitAsync(new MemoryDeltaStream(), new OperationProgress(), CancellationToken.None, rehashSource));
        Assert.Contains("'pool/a.deb' changed while it was being exported", e.Message);
    }

    [Theory]
    [InlineData(PublishMode.Snapshot)]
    [InlineData(PublishMode.InPlace)]
    public async Task Moved_and_copied_files_cost_nothing_and_edits_in_place_cost_a_patch(PublishMode mode)
    {
        SigningKey.Generate(P("key"));
        using var key = SigningKey.Load(P("key"));
        var big = RandomBytes(3_000_000, 1);
        var text = string.Join('\n', Enumerable.Range(0, 20_000).Select(i => $"Package: p{i}\nVersion: 1.{i}"));
        Write(P("src/pool/big.deb"), big);
        Write(P("src/dists/s/Packages"), System.Text.Encoding.UTF8.GetBytes(text));
        var (first, stream1) = await ExportAsync(key);
        Assert.Equal(2, first.Summary.ContentsSent);
        await ApplyAsync(stream1, mode);

        File.Move(P("src/pool/big.deb"), P("src/pool/moved.deb"));
        File.Copy(P("src/pool/moved.deb"), P("src/pool/copied.deb"));
        Write(P("src/dists/s/Packages"), System.Text.Encoding.UTF8.GetBytes(text.Replace("Version: 1.500\n", "Version: 2.500\n", StringComparison.Ordinal)));
        Write(P("src/pool/new.deb"), RandomBytes(200_000, 2));
        var (second, stream2) = await ExportAsync(key);

        Assert.Equal(2, second.Summary.ContentsSent); // the edited index and the new package; not the moved or copied one
        Assert.Equal(1, second.Summary.ContentsPatched);
        var chunkBytes = stream2.Frames.OfType<ChunkFrame>().Sum(c => c.Data.Length);
        var literalBytes = stream2.Frames.OfType<PatchFrame>().SelectMany(p => p.Ops).Sum(o => o.IsCopy ? 0 : o.Data.Length);
        Assert.Equal(200_000, chunkBytes);
        Assert.InRange(literalBytes, 1, 2_000);

        await ApplyAsync(stream2, mode);
        var target = P("target");
        Assert.Equal(big, Content(target, "pool/moved.deb"));
        Assert.Equal(big, Content(target, "pool/copied.deb"));
        // In place it is gone; in snapshot mode the shared pool keeps it while the older kept snapshot names it.
        Assert.Equal(mode == PublishMode.Snapshot, File.Exists(Path.Combine(target, "pool/big.deb")));
        Assert.Equal(Content(P("src"), "dists/s/Packages"), Content(target, "dists/s/Packages"));
    }

    [Fact]
    public async Task What_an_answering_inside_kept_from_a_cut_transfer_is_not_planned_again()
    {
        SigningKey.Generate(P("key"));
        using var key = SigningKey.Load(P("key"));
        Write(P("src/pool/a.deb"), RandomBytes(1_000_000, 1));
        Write(P("src/pool/b.deb"), RandomBytes(4_000_000, 2));
        using var state = OutsideState.Open(P("out"));
        var exporter = new DeltaExporter(_codec, _log.CreateLogger(nameof(DeltaExporter)), TimeProvider.System);
        var everything = await exporter.PrepareAsync(P("src"), state, key, new ExportOptions(), new OperationProgress(), CancellationToken.None);
        var a = everything.Target.Find("pool/a.deb")!;
        var b = everything.Target.Find("pool/b.deb")!;
        var heldChunks = b.Chunks.Take(b.Chunks.Count / 2).Select(c => c.Digest).ToHashSet();

        var holdings = new InsideHoldings(3, null, new HashSet<Hashing.Digest> { a.Digest }, heldChunks);
        var rest = await exporter.PrepareAsync(P("src"), state, key, new ExportOptions(), holdings, new OperationProgress(), CancellationToken.None);

        Assert.Equal(4, rest.Header.TargetGeneration); // above what the inside publishes
        Assert.Equal(1, rest.Summary.ContentsSent);
        Assert.Equal(b.Chunks.Skip(b.Chunks.Count / 2).Sum(c => (long)c.Length), rest.Summary.PayloadBytes);
        var stream = new MemoryDeltaStream();
        await rest.EmitAsync(stream, new OperationProgress(), CancellationToken.None);
        var chunks = stream.Frames.OfType<ChunkFrame>().ToList();
        Assert.DoesNotContain(chunks, c => heldChunks.Contains(c.Digest));
        Assert.Equal(rest.Summary.PayloadBytes, chunks.Sum(c => (long)c.Data.Length));
    }

    [Fact]
    public async Task A_full_export_carries_every_content_once()
    {
        SigningKey.Generate(P("key"));
        using var key = SigningKey.Load(P("key"));
        var same = RandomBytes(700_000, 3);
        Write(P("src/a"), same);
        Write(P("src/b"), same);
        Write(P("src/c"), RandomBytes(10, 4));
        await ExportAsync(key);
        Write(P("src/d"), [1]);
        var (full, stream) = await ExportAsync(key, full: true);
        Assert.Equal(0, full.Header.BaseGeneration);
        Assert.Equal(3, full.Summary.ContentsSent);
        Assert.Equal(700_000 + 10 + 1, stream.Frames.OfType<ChunkFrame>().Sum(c => c.Data.Length));
    }

    [Fact]
    public async Task A_stream_that_lacks_a_chunk_the_inside_does_not_hold_is_refused()
    {
        SigningKey.Generate(P("key"));
        using var key = SigningKey.Load(P("key"));
        Write(P("src/a"), RandomBytes(300_000, 5));
        var (_, stream) = await ExportAsync(key);
        stream.Frames.RemoveAll(f => f is ChunkFrame);
        var e = await Assert.ThrowsAsync<SyncException>(() => ApplyAsync(stream, PublishMode.Snapshot));
        Assert.Equal(SyncErrorKind.Refused, e.Kind);
        Assert.Contains("lacks chunk", e.Message);
    }

    [Fact]
    public async Task A_damaged_chunk_is_refused()
    {
        SigningKey.Generate(P("key"));
        using var key = SigningKey.Load(P("key"));
        Write(P("src/a"), RandomBytes(300_000, 6));
        var (_, stream) = await ExportAsync(key);
        var index = stream.Frames.FindIndex(f => f is ChunkFrame);
        var chunk = (ChunkFrame)stream.Frames[index];
        var bytes = chunk.Data.ToArray();
        bytes[17] ^= 1;
        stream.Frames[index] = chunk with { Data = bytes };
        var e = await Assert.ThrowsAsync<SyncException>(() => ApplyAsync(stream, PublishMode.Snapshot));
        Assert.Contains("damaged", e.Message);
        Assert.False(Directory.Exists(P("target")) || File.Exists(P("target")));
    }
}

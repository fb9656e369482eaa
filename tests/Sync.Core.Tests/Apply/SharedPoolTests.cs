using Microsoft.Extensions.Logging.Abstractions;
using Sync.Core.Apply;
using Sync.Core.Export;
using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Tests.Export;
using Sync.Core.Trust;
using Sync.Core.Verification;
using Sync.Protocol;
using Sync.Testing.FileSystem;

namespace Sync.Core.Tests.Apply;

/// <summary>
/// Snapshot mode keeps `pool/` in one store shared by every snapshot: a generation that changes a few pool files costs
/// those files, not the pool; a pool file leaves the store only when no kept snapshot names it; a generation that would
/// change a pool file in place gets a new epoch, and no published snapshot ever sees a file change under it.
/// </summary>
public sealed class SharedPoolTests : IDisposable
{
    private const string StateRoot = "/state";
    private const string Target = "/srv/mirror";

    private readonly string _dir = Directory.CreateTempSubdirectory("sync-pool-").FullName;
    private readonly SigningKey _key;
    private readonly TrustStore _trust;

    public SharedPoolTests()
    {
        SigningKey.Generate(Path.Combine(_dir, "key"));
        _key = SigningKey.Load(Path.Combine(_dir, "key"));
        _trust = TrustStore.Load([Path.Combine(_dir, "key.pub")]);
    }

    private string Source => Path.Combine(_dir, "source");

    public void Dispose()
    {
        _trust.Dispose();
        _key.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task A_generation_that_changes_a_few_pool_files_costs_those_files_not_the_pool()
    {
        for (var i = 0; i < 400; i++)
        {
            Write($"pool/main/p{i % 40}/pkg{i}_1.deb", i);
        }

        Write("dists/noble/main/binary-amd64/Packages", 1000);
        var first = await ExportAsync();
        for (var i = 0; i < 4; i++)
        {
            File.Delete(Path.Combine(Source, $"pool/main/p{i}/pkg{i}_1.deb"));
            Write($"pool/main/p{i}/pkg{i}_2.deb", 2000 + i);
        }

        Write("dists/noble/main/binary-amd64/Packages", 1001);
        var second = await ExportAsync();

        var fs = NewFileSystem();
        await ApplyAsync(fs, first);
        var before = fs.Steps;
        await ApplyAsync(fs, second);
        var incremental = fs.Steps - before;

        // The same generation built whole, for comparison: every pool file linked into a directory of its own.
        var whole = NewFileSystem();
        await ApplyAsync(whole, await ExportAsync(full: true));
        Assert.True(incremental * 5 < whole.Steps, $"a 1% change took {incremental} steps; the whole tree takes {whole.Steps}");
        await AssertPublishedAsync(fs, second.Manifest);
    }

    [Fact]
    public async Task A_removed_pool_file_stays_while_a_kept_snapshot_names_it_and_goes_after()
    {
        Write("pool/main/a/a_1.deb", 1);
        Write("pool/main/b/b_1.deb", 2);
        Write("dists/noble/Release", 3);
        var fs = NewFileSystem();
        await ApplyAsync(fs, await ExportAsync(), keep: 2);
        var gen1 = ReadThroughSnapshot(fs, "g00000001", "pool/main/a/a_1.deb");

        File.Delete(Path.Combine(Source, "pool/main/a/a_1.deb"));
        Write("dists/noble/Release", 4);
        await ApplyAsync(fs, await ExportAsync(), keep: 2);
        Assert.Equal(gen1, ReadThroughSnapshot(fs, "g00000001", "pool/main/a/a_1.deb")); // the kept snapshot still reads it

        Write("dists/noble/Release", 5);
        var third = await ExportAsync();
        await ApplyAsync(fs, third, keep: 2);
        Assert.Null(fs.ReadFile("/state/pools/0001/pool/main/a/a_1.deb")); // no kept snapshot (2, 3) names it
        Assert.NotNull(fs.ReadFile("/state/pools/0001/pool/main/b/b_1.deb"));
        await AssertPublishedAsync(fs, third.Manifest);
    }

    [Fact]
    public async Task A_pool_file_changed_in_place_starts_a_new_epoch_and_the_old_snapshot_keeps_its_bytes()
    {
        Write("pool/main/a/a_1.deb", 1);
        Write("dists/noble/Release", 3);
        var fs = NewFileSystem();
        await ApplyAsync(fs, await ExportAsync(), keep: 2);
        var old = ReadThroughSnapshot(fs, "g00000001", "pool/main/a/a_1.deb");

        Write("pool/main/a/a_1.deb", 99); // same name, other bytes: what APT never does, but a tree may
        var second = await ExportAsync();
        await ApplyAsync(fs, second, keep: 2);
        Assert.Equal(old, ReadThroughSnapshot(fs, "g00000001", "pool/main/a/a_1.deb"));
        Assert.NotEqual(old, ReadThroughSnapshot(fs, "g00000002", "pool/main/a/a_1.deb"));
        await AssertPublishedAsync(fs, second.Manifest);

        Write("dists/noble/Release", 4);
        await ApplyAsync(fs, await ExportAsync(), keep: 2);
        Assert.Null(fs.ReadFile("/state/pools/0001/pool/main/a/a_1.deb")); // epoch 0001 is used by no kept snapshot
    }

    private static SimulatedFileSystem NewFileSystem()
    {
        var fs = new SimulatedFileSystem();
        fs.CreateTree("/srv").Dispose();
        return fs;
    }

    private void Write(string path, int seed)
    {
        var full = Path.Combine(Source, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var bytes = new byte[3000 + seed % 500];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(full, bytes);
        File.SetLastWriteTimeUtc(full, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(seed));
    }

    private async Task<PowerLossTests.Generation> ExportAsync(bool full = false)
    {
        using var state = OutsideState.Open(Path.Combine(_dir, full ? "outside-full" : "outside"));
        var exporter = new DeltaExporter(ProtobufWireCodec.Instance, NullLogger.Instance, TimeProvider.System);
        var prepared = await exporter.PrepareAsync(Source, state, _key, new ExportOptions { Full = full }, new OperationProgress(), CancellationToken.None);
        var stream = new MemoryDeltaStream();
        prepared.RecordSent(state);
        await prepared.EmitAsync(stream, new OperationProgress(), CancellationToken.None);
        prepared.Commit(state, DateTimeOffset.UtcNow);
        var manifestBytes = stream.Frames.OfType<Streams.ManifestSliceFrame>().SelectMany(f => f.Data.ToArray()).ToArray();
        return new PowerLossTests.Generation(stream, ProtobufWireCodec.Instance.ParseManifest(manifestBytes, ManifestLimits.Default));
    }

    private async Task ApplyAsync(SimulatedFileSystem fs, PowerLossTests.Generation generation, int keep = 3)
    {
        using var state = InsideState.OpenForWrite(fs, StateRoot);
        var applier = new StreamApplier(ProtobufWireCodec.Instance, _trust, NullLogger.Instance, TimeProvider.System);
        await applier.PrepareAsync(state, Target, PublishMode.Snapshot, CancellationToken.None);
        generation.Stream.Rewind();
        await applier.ApplyAsync(generation.Stream, state, Target, PublishMode.Snapshot, keep, new OperationProgress(), CancellationToken.None);
    }

    /// <summary>A file of a snapshot as a reader of it sees it: through its pool link into the store.</summary>
    private static byte[]? ReadThroughSnapshot(SimulatedFileSystem fs, string snapshot, string path) =>
        fs.ReadFile($"{StateRoot}/snapshots/{snapshot}/{path}");

    private static async Task AssertPublishedAsync(SimulatedFileSystem fs, Manifest manifest)
    {
        using var state = InsideState.OpenReadOnly(fs, StateRoot);
        using var tree = PublishLayout.OpenPublished(state, Target)!;
        var problems = await TreeVerifier.VerifyAsync(tree, manifest, PublishPolicy.Default, new OperationProgress(), CancellationToken.None, state.Published.SharedRoots);
        Assert.True(problems.Count == 0, string.Join("; ", problems.Take(5)));
    }
}

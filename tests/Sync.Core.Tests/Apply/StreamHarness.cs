using Sync.Core.Apply;
using Sync.Core.Export;
using Sync.Core.FileSystem;
using Sync.Core.Manifests;
using Sync.Core.Tests.Export;
using Sync.Core.Trust;
using Sync.Core.Verification;
using Sync.Protocol;
using Sync.Testing.FileSystem;
using Sync.Testing.Logging;
using Sync.Testing.Streams;

namespace Sync.Core.Tests.Apply;

/// <summary>
/// A real source tree exported by the real DeltaExporter into memory, applied by the real StreamApplier to a simulated
/// file system: what the apply tests share (a signing key and trust store of their own, a temporary source, a log
/// scope that fails the test on an error nobody expected when the harness is disposed).
/// </summary>
internal sealed class StreamHarness : IDisposable
{
    public const string StateRoot = "/state";
    public const string Target = "/srv/mirror";

    private readonly TempDirectory _dir;
    private readonly LogScope _log = new();
    private readonly SigningKey _key;
    private readonly TrustStore _trust;

    public StreamHarness(string prefix)
    {
        _dir = new TempDirectory(prefix);
        SigningKey.Generate(_dir.Combine("key"));
        _key = SigningKey.Load(_dir.Combine("key"));
        _trust = TrustStore.Load([_dir.Combine("key.pub")]);
    }

    public string Source => _dir.Combine("source");

    public void Dispose()
    {
        _trust.Dispose();
        _key.Dispose();
        _dir.Dispose();
        _log.Dispose();
    }

    public static SimulatedFileSystem NewFileSystem()
    {
        var fs = new SimulatedFileSystem();
        fs.CreateTree("/srv").Dispose();
        return fs;
    }

    public void Write(string path, int seed)
    {
        var full = Path.Combine(Source, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var bytes = new byte[3000 + seed % 500];
        new Random(seed).NextBytes(bytes);
        File.WriteAllBytes(full, bytes);
        File.SetLastWriteTimeUtc(full, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(seed));
    }

    public async Task<PowerLossTests.Generation> ExportAsync(bool full = false)
    {
        using var state = OutsideState.Open(_dir.Combine(full ? "outside-full" : "outside"));
        var exporter = new DeltaExporter(ProtobufWireCodec.Instance, _log.CreateLogger(nameof(DeltaExporter)), TimeProvider.System);
        var prepared = await exporter.PrepareAsync(Source, state, _key, new ExportOptions { Full = full }, new OperationProgress(), CancellationToken.None);
        var stream = new MemoryDeltaStream();
        prepared.RecordSent(state);
        await prepared.EmitAsync(stream, new OperationProgress(), CancellationToken.None);
        prepared.Commit(state, DateTimeOffset.UtcNow);
        var manifestBytes = prepared.ManifestFile.ReadAllBytes();
        return new PowerLossTests.Generation(stream, ProtobufWireCodec.Instance.ParseManifest(manifestBytes, ManifestLimits.Default));
    }

    public async Task ApplyAsync(SimulatedFileSystem fs, PowerLossTests.Generation generation, int keep = 3)
    {
        using var state = InsideState.OpenForWrite(fs, StateRoot);
        var applier = new StreamApplier(ProtobufWireCodec.Instance, _trust, _log.CreateLogger(nameof(StreamApplier)), TimeProvider.System);
        await applier.PrepareAsync(state, Target, PublishMode.Snapshot, CancellationToken.None);
        generation.Stream.Rewind();
        await applier.ApplyAsync(generation.Stream, state, Target, PublishMode.Snapshot, keep, new OperationProgress(), CancellationToken.None);
    }

    /// <summary>A file of a snapshot as a reader of it sees it: through its pool link into the store.</summary>
    public static byte[]? ReadThroughSnapshot(SimulatedFileSystem fs, string snapshot, string path) =>
        fs.ReadFile($"{StateRoot}/snapshots/{snapshot}/{path}");

    public static async Task AssertPublishedAsync(SimulatedFileSystem fs, Manifest manifest)
    {
        using var state = InsideState.OpenReadOnly(fs, StateRoot);
        using var tree = PublishLayout.OpenPublished(state, Target)!;
        var problems = await TreeVerifier.VerifyAsync(tree, manifest, PublishPolicy.Default, new OperationProgress(), CancellationToken.None, state.Published.SharedRoots);
        Assert.True(problems.Count == 0, string.Join("; ", problems.Take(5)));
    }
}

using Sync.Core.Apply;
using Sync.Core.Export;
using Sync.Core.Trust;
using Sync.Protocol;
using Sync.Testing.FileSystem;
using Sync.Testing.Logging;
using Sync.Testing.Streams;

namespace Sync.Core.Tests.Export;

/// <summary>An outside (src, out) and an inside (in, target) in one temporary directory, for the recompression tests.</summary>
internal sealed class RecompressHarness : IDisposable
{
    private readonly TempDirectory _dir;
    private readonly LogScope _log = new();
    private readonly ProtobufWireCodec _codec = new();

    public RecompressHarness(string prefix) => _dir = new TempDirectory(prefix);

    public string P(string name) => _dir.Combine(name);

    public void Dispose()
    {
        _dir.Dispose();
        _log.Dispose();
    }

    public SigningKey NewKey()
    {
        SigningKey.Generate(P("key"));
        return SigningKey.Load(P("key"));
    }

    public Dictionary<string, string> SnapshotTarget() =>
        Directory.EnumerateFiles(P("target/"), "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(P("target"), f), f => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f))));

    public async Task<(PreparedExport Export, MemoryDeltaStream Stream)> ExportAsync(SigningKey key, ExportOptions? options = null)
    {
        using var state = OutsideState.Open(P("out"));
        var exporter = new DeltaExporter(_codec, _log.CreateLogger(nameof(DeltaExporter)), TimeProvider.System);
        var prepared = await exporter.PrepareAsync(P("src"), state, key, options ?? new ExportOptions(), new OperationProgress(), CancellationToken.None);
        var stream = new MemoryDeltaStream();
        prepared.RecordSent(state);
        await prepared.EmitAsync(stream, new OperationProgress(), CancellationToken.None);
        prepared.Commit(state, DateTimeOffset.UtcNow);
        return (prepared, stream);
    }

    public async Task ApplyAsync(MemoryDeltaStream stream, PublishMode mode = PublishMode.Snapshot)
    {
        using var trust = TrustStore.Load([P("key.pub")]);
        using var state = InsideState.OpenForWrite(P("in"));
        var applier = new StreamApplier(_codec, trust, _log.CreateLogger(nameof(StreamApplier)), TimeProvider.System);
        await applier.PrepareAsync(state, P("target"), mode, CancellationToken.None);
        await applier.ApplyAsync(stream, state, P("target"), mode, 2, new OperationProgress(), CancellationToken.None);
    }
}

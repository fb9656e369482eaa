using Sync.Core;
using Sync.Core.Export;
using Sync.Core.Streams;
using Sync.Core.Trust;
using Sync.Engine.Outside;
using Sync.Protocol;
using Sync.Testing.FileSystem;
using Sync.Testing.Logging;
using Sync.Testing.Streams;

namespace Sync.Engine.Tests;

/// <summary>
/// A test's own folder: a source tree, the outside's state, a signing key (and another one nobody trusts), the
/// inside's state and target. Deleted afterwards. The engine logs into <see cref="Log"/>: an error the test did not
/// declare with <see cref="LogScope.ExpectError"/> fails it when the scratch is disposed.
/// </summary>
internal sealed class Scratch : IDisposable
{
    private readonly TempDirectory _dir = new("sync-engine-");

    public Scratch()
    {
        Root = _dir.Path;
        SigningKey.Generate(P("key"));
        SigningKey.Generate(P("stranger"));
        Key = SigningKey.Load(P("key"));
        Stranger = SigningKey.Load(P("stranger"));
        Write("dists/stable/Release", "Suite: stable\n");
        Write("pool/main/a.deb", "package a, version 1");
    }

    public string Root { get; }

    public SigningKey Key { get; }

    /// <summary>A key no trust store here names.</summary>
    public SigningKey Stranger { get; }

    public ProtobufWireCodec Codec { get; } = new();

    public LogScope Log { get; } = new();

    public string Source => P("src");

    public string OutsideState => P("out");

    public string InsideState => P("in");

    public string Target => P("target");

    public string P(string name) => Path.Combine(Root, name);

    public void Write(string relative, string text)
    {
        var path = Path.Combine(Source, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    public TrustStore Trust() => TrustStore.Load([P("key.pub")]);

    public TrustStore StrangerTrust() => TrustStore.Load([P("stranger.pub")]);

    public GenerationSource Generation(bool full = false) => new(Source, OutsideState, Key, new ExportOptions { Full = full });

    public GenerationPublisher Publisher() => new(Codec, Log.CreateLogger(nameof(GenerationPublisher)), TimeProvider.System);

    /// <summary>
    /// The next generation as the outside emits it into <paramref name="stateDirectory"/>'s record (recorded as sent and
    /// committed, as an answering carrier does once the inside published it): the frames an inside would read.
    /// </summary>
    public async Task<MemoryDeltaStream> EmitAsync(string? stateDirectory = null, bool full = false, SigningKey? key = null)
    {
        using var state = Sync.Core.Export.OutsideState.Open(stateDirectory ?? OutsideState);
        var exporter = new DeltaExporter(Codec, Log.CreateLogger(nameof(DeltaExporter)), TimeProvider.System);
        var prepared = await exporter.PrepareAsync(Source, state, key ?? Key, new ExportOptions { Full = full }, new OperationProgress(), CancellationToken.None);
        var stream = new MemoryDeltaStream();
        prepared.RecordSent(state);
        await prepared.EmitAsync(stream, new OperationProgress(), CancellationToken.None);
        prepared.Commit(state, DateTimeOffset.UtcNow);
        return stream;
    }

    public DeltaHeader HeaderOf(MemoryDeltaStream stream) => Codec.ParseHeader(((HeaderFrame)stream.Frames[0]).Header.Payload);

    public void Dispose()
    {
        Key.Dispose();
        Stranger.Dispose();
        _dir.Dispose();
        Log.Dispose();
    }
}

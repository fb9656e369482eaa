using Sync.Testing.FileSystem;

namespace Sync.Integration.Tests.Infrastructure;

/// <summary>
/// One outside and one inside with their own folders in a test directory: source, outside state, drop,
/// inside state, target, and a fresh key pair. Methods run the real executables.
/// </summary>
public sealed class SyncPair : IDisposable
{
    private readonly TempDirectory _dir = new();

    private SyncPair()
    {
        Source = _dir.CreateSubdirectory("source");
        OutsideState = _dir.Combine("outside-state");
        Drop = _dir.CreateSubdirectory("drop");
        InsideState = _dir.Combine("inside-state");
        Target = _dir.Combine("target");
        Key = _dir.Combine("key");
    }

    public string Source { get; set; }

    public string OutsideState { get; }

    public string Drop { get; }

    public string InsideState { get; }

    public string Target { get; }

    public string Key { get; }

    public string Dir(string name) => _dir.Combine(name);

    public string MakeDir(string name) => _dir.CreateSubdirectory(name);

    public string Publish { get; set; } = "snapshot";

    public static async Task<SyncPair> CreateAsync()
    {
        var pair = new SyncPair();
        await Run.Ok(Run.Outside("keygen", "--key", pair.Key));
        return pair;
    }

    public Task<ProcessResult> Export(params string[] extra) =>
        Run.Outside(["export", "--source", Source, "--state", OutsideState, "--key", Key, "--drop", Drop, "--quiet", .. extra]);

    public Task<ProcessResult> Import(params string[] extra) => ImportWith(null, extra);

    public Task<ProcessResult> ImportWith(IDictionary<string, string>? environment, params string[] extra) =>
        Run.Agent("sync-inside", ["import", "--drop", Drop, "--target", Target, "--state", InsideState, "--trust", Key + ".pub", "--publish", Publish, "--quiet", .. extra], environment);

    public Task<ProcessResult> Verify() => Run.Inside("verify", "--target", Target, "--state", InsideState, "--quiet");

    public Task<ProcessResult> Status() => Run.Inside("status", "--state", InsideState);

    /// <summary>`sync-inside serve` on a free loopback port, listening when this returns; Url is where to push.</summary>
    public async Task<(ServerProcess Server, string Url)> ServeInsideAsync(params string[] extra)
    {
        var port = ServerProcess.FreePort();
        var server = ServerProcess.Start("sync-inside",
            ["serve", "--listen", $"127.0.0.1:{port}", "--target", Target, "--state", InsideState, "--trust", Key + ".pub", "--publish", Publish, .. extra]);
        await server.WaitListeningAsync(port);
        return (server, $"{(extra.Contains("--tls-cert") ? "https" : "http")}://127.0.0.1:{port}");
    }

    /// <summary>`sync-outside serve` on a free loopback port, listening when this returns; Url is where to pull from.</summary>
    public async Task<(ServerProcess Server, string Url)> ServeOutsideAsync(params string[] extra)
    {
        var port = ServerProcess.FreePort();
        var server = ServerProcess.Start("sync-outside",
            ["serve", "--listen", $"127.0.0.1:{port}", "--source", Source, "--state", OutsideState, "--key", Key, .. extra]);
        await server.WaitListeningAsync(port);
        return (server, $"{(extra.Contains("--tls-cert") ? "https" : "http")}://127.0.0.1:{port}");
    }

    public string[] PushArgs(string url, params string[] extra) =>
        ["push", "--source", Source, "--state", OutsideState, "--key", Key, "--to", url, "--quiet", .. extra];

    public Task<ProcessResult> Push(string url, params string[] extra) => Run.Outside(PushArgs(url, extra));

    public string[] PullArgs(string url, params string[] extra) =>
        ["pull", "--from", url, "--target", Target, "--state", InsideState, "--trust", Key + ".pub", "--publish", Publish, .. extra];

    public Task<ProcessResult> Pull(string url, params string[] extra) => Run.Inside([.. PullArgs(url, extra), "--quiet"]);

    /// <summary>Total bytes of the bundle files (parts and index) for one generation.</summary>
    public long BundleBytes(long generation) =>
        Directory.EnumerateFiles(Drop, $"sync-g{generation:D8}-*").Sum(f => new FileInfo(f).Length);

    public void Dispose() => _dir.Dispose();
}

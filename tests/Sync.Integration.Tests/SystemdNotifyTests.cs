using System.Net;
using System.Net.Sockets;
using System.Text;
using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// The long-running commands under a <c>Type=notify</c> unit: each tells systemd READY=1 on the socket in
/// NOTIFY_SOCKET only once it can do its job (its port accepts connections, its UDP socket is bound), and never when
/// it fails at start, so `systemctl start` reports the failure instead of a service that looked started. The test
/// plays systemd's part with a datagram socket of its own.
/// </summary>
public sealed class SystemdNotifyTests
{
    [Fact]
    public async Task Serve_is_ready_only_once_its_port_accepts_connections()
    {
        using var pair = await SyncPair.CreateAsync();
        var status = await AssertReadyWhenListeningAsync(pair, "sync-inside", port =>
            ["serve", "--listen", $"127.0.0.1:{port}", "--target", pair.Target, "--state", pair.InsideState, "--trust", pair.Key + ".pub"]);
        Assert.StartsWith($"STATUS=serving {pair.Target} on 127.0.0.1:", status);
    }

    [Fact]
    public async Task Outside_serve_is_ready_only_once_its_port_accepts_connections()
    {
        using var pair = await SyncPair.CreateAsync();
        await AssertReadyWhenListeningAsync(pair, "sync-outside", port =>
            ["serve", "--listen", $"127.0.0.1:{port}", "--source", pair.Source, "--state", pair.OutsideState, "--key", pair.Key]);
    }

    [Fact]
    public async Task Receive_is_ready_only_once_its_udp_port_is_bound()
    {
        using var pair = await SyncPair.CreateAsync();
        using var notify = new NotifySocket(pair.Dir("notify"));
        var port = ServerProcess.FreePort();
        await using var receiver = ServerProcess.Start("sync-inside", notify.Environment,
            "receive", "--udp", $"127.0.0.1:{port}", "--target", pair.Target, "--state", pair.InsideState, "--trust", pair.Key + ".pub");

        Assert.Contains("READY=1", (await notify.ReceiveAsync(receiver)).Split('\n'));
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var taken = Assert.Throws<SocketException>(() => probe.Bind(new IPEndPoint(IPAddress.Loopback, port)));
        Assert.Equal(SocketError.AddressAlreadyInUse, taken.SocketErrorCode);
        AssertStopsCleanly(await receiver.StopAsync(), receiver);
    }

    [Fact]
    public async Task Receive_on_a_taken_port_fails_in_one_line_and_never_says_it_is_receiving()
    {
        // "receiving on" is what scripts and tests wait for before they send: were it printed before the bind, the
        // first datagrams sent on seeing it would be lost without a trace (the flake this test was written for).
        using var pair = await SyncPair.CreateAsync();
        using var notify = new NotifySocket(pair.Dir("notify"));
        using var holder = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        holder.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)holder.LocalEndPoint!).Port;

        var result = await Run.Agent("sync-inside",
            ["receive", "--udp", $"127.0.0.1:{port}", "--target", pair.Target, "--state", pair.InsideState, "--trust", pair.Key + ".pub"],
            notify.Environment);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(string.Empty, result.Stdout); // neither "receiving on" nor a report of a receiver that never listened
        var error = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"cannot listen on 127.0.0.1:{port}", error, StringComparison.Ordinal);
        Assert.Null(notify.TryReceive());
    }

    [Fact]
    public async Task Pull_every_is_ready_after_its_checks_and_a_bad_trust_file_never_reports_ready()
    {
        using var pair = await SyncPair.CreateAsync();
        using var notify = new NotifySocket(pair.Dir("notify"));
        string[] pull = ["pull", "--from", "http://127.0.0.1:9", "--target", pair.Target, "--state", pair.InsideState, "--every", "1h"];

        await using (var refused = ServerProcess.Start("sync-inside", notify.Environment, [.. pull, "--trust", pair.Dir("missing.pub")]))
        {
            for (var waited = 0; !refused.HasExited && waited < 600; waited++)
            {
                await Task.Delay(100);
            }

            Assert.True(refused.HasExited, $"a pull with a missing trust file kept running:\n{refused.Output}");
            Assert.Equal(2, await refused.StopAsync()); // exited already: this only reads its exit code
            Assert.Null(notify.TryReceive());
        }

        await using var puller = ServerProcess.Start("sync-inside", notify.Environment, [.. pull, "--trust", pair.Key + ".pub"]);
        Assert.Contains("READY=1", (await notify.ReceiveAsync(puller)).Split('\n'));
        AssertStopsCleanly(await puller.StopAsync(), puller);
    }

    [Fact]
    public async Task Pull_every_stopped_in_the_middle_of_a_pull_exits_0_like_any_stop()
    {
        using var pair = await SyncPair.CreateAsync();
        using var notify = new NotifySocket(pair.Dir("notify"));
        // Accepts the pull's connection and never answers: the pull is in progress when systemd stops the unit.
        await using var held = new HeldTcpRelay(targetPort: 9);
        await using var puller = ServerProcess.Start("sync-inside", notify.Environment,
            "pull", "--from", $"http://127.0.0.1:{held.Port}", "--target", pair.Target, "--state", pair.InsideState,
            "--trust", pair.Key + ".pub", "--every", "1h");

        Assert.Contains("READY=1", (await notify.ReceiveAsync(puller)).Split('\n'));
        await held.Accepted.WaitAsync(TimeSpan.FromSeconds(60));
        AssertStopsCleanly(await puller.StopAsync(), puller);
        Assert.DoesNotContain("internal error", puller.Output, StringComparison.Ordinal);
    }

    /// <summary>Starts a server, waits for READY=1 and connects at once, with no retry: ready means listening. Returns its STATUS= line.</summary>
    private static async Task<string> AssertReadyWhenListeningAsync(SyncPair pair, string agent, Func<int, string[]> arguments)
    {
        using var notify = new NotifySocket(pair.Dir("notify"));
        var port = ServerProcess.FreePort();
        await using var server = ServerProcess.Start(agent, notify.Environment, arguments(port));

        var message = (await notify.ReceiveAsync(server)).Split('\n');

        Assert.Contains("READY=1", message);
        using (var client = new TcpClient())
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
        }

        AssertStopsCleanly(await server.StopAsync(), server);
        return message.Single(line => line.StartsWith("STATUS=", StringComparison.Ordinal));
    }

    private static void AssertStopsCleanly(int exitCode, ServerProcess process) =>
        Assert.True(exitCode == 0, $"exit code {exitCode} after SIGTERM:\n{process.Output}");

    /// <summary>systemd's end of NOTIFY_SOCKET: a Unix datagram socket in the test's directory.</summary>
    private sealed class NotifySocket : IDisposable
    {
        private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);

        public NotifySocket(string path)
        {
            _socket.Bind(new UnixDomainSocketEndPoint(path));
            Environment = new Dictionary<string, string> { ["NOTIFY_SOCKET"] = path };
        }

        public IDictionary<string, string> Environment { get; }

        public async Task<string> ReceiveAsync(ServerProcess process)
        {
            var buffer = new byte[4096];
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var receive = _socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token).AsTask();
            while (!receive.IsCompleted)
            {
                Assert.False(process.HasExited, $"exited before it was ready:\n{process.Output}");
                await Task.WhenAny(receive, Task.Delay(100));
            }

            return Encoding.UTF8.GetString(buffer, 0, await receive);
        }

        public string? TryReceive()
        {
            var buffer = new byte[4096];
            return _socket.Available > 0 ? Encoding.UTF8.GetString(buffer, 0, _socket.Receive(buffer)) : null;
        }

        public void Dispose() => _socket.Dispose();
    }
}

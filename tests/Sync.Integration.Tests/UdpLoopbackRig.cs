using System.Net;
using System.Net.Sockets;
using Sync.Integration.Tests.Infrastructure;
using Sync.Testing.FileSystem;
using Sync.Transport.Udp.Internal;

namespace Sync.Integration.Tests;

/// <summary>
/// The real agents over the loopback interface, plus a forging UDP client in the test process: what an attacker on
/// the inside's network segment can send to `sync-inside receive`. No namespaces, so no root is needed; traffic goes
/// to 127.0.0.1 only. The forger builds packets with the carrier's own codec, so a forged packet is well-formed
/// wherever the attack needs it to be.
/// </summary>
public sealed class UdpLoopbackRig : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly List<ServerProcess> _processes = [];
    private readonly Socket _forger = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);

    private UdpLoopbackRig()
    {
        Source = _dir.CreateSubdirectory("source");
        Key = _dir.Combine("key");
        Port = FreeUdpPort();
    }

    public string Source { get; }

    public string Key { get; }

    public int Port { get; }

    public IPEndPoint Endpoint => new(IPAddress.Loopback, Port);

    public string OutsideState => _dir.Combine("outside-state");

    public string InsideState => _dir.Combine("inside-state");

    public string Target => _dir.Combine("inside-target");

    public string Dir(string name) => _dir.Combine(name);

    public static async Task<UdpLoopbackRig> CreateAsync()
    {
        var rig = new UdpLoopbackRig();
        await Run.Ok(Run.Outside("keygen", "--key", rig.Key));
        return rig;
    }

    /// <summary>
    /// The usual start of an attack: a source of one file of <paramref name="bytes"/>, the announces a real send of it
    /// makes (caught), and the receiver under attack, listening.
    /// </summary>
    public static async Task<(UdpLoopbackRig Rig, List<byte[]> Captured, ServerProcess Receiver)> UnderAttackAsync(int bytes, int seed)
    {
        var rig = await CreateAsync();
        try
        {
            TreeBuilder.Write(rig.Source, "pool/a.deb", TreeBuilder.RandomBytes(bytes, seed));
            var captured = await rig.CaptureAnnouncesAsync();
            return (rig, captured, await rig.StartReceiveAsync());
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    /// <summary>`sync-inside receive` on 127.0.0.1, as a service; returns once it listens.</summary>
    public async Task<ServerProcess> StartReceiveAsync(params string[] extra)
    {
        var process = ServerProcess.Start("sync-inside",
        [
            "receive", "--udp", $"127.0.0.1:{Port}", "--target", Target, "--state", InsideState, "--trust", Key + ".pub",
            "--report-interval", "1", .. extra,
        ]);
        _processes.Add(process);
        await process.WaitForOutputAsync("receiving on", seconds: 60);
        return process;
    }

    /// <summary>`sync-outside send` of <see cref="Source"/> to the receiver (or to <paramref name="port"/>) with its own state.</summary>
    public Task<ProcessResult> Send(string state, int? port = null, params string[] extra) =>
        Run.Outside(["send", "--source", Source, "--state", state, "--key", Key, "--udp", $"127.0.0.1:{port ?? Port}", "--rate", "100M", "--quiet", .. extra]);

    /// <summary>
    /// The announces a real `send` of <see cref="Source"/> puts on the wire (one round of them), caught on a port of
    /// the test's own: what an attacker who can listen on the diode's segment gets to replay.
    /// </summary>
    public async Task<List<byte[]>> CaptureAnnouncesAsync()
    {
        using var capture = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        capture.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        capture.ReceiveBufferSize = 8 << 20;
        int port = ((IPEndPoint)capture.LocalEndPoint!).Port;
        Task<ProcessResult> send = Send(_dir.Combine($"capture-state-{Guid.NewGuid():N}"), port, "--passes", "1");
        var announces = new List<byte[]>();
        var buffer = new byte[65536];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            int n = await capture.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            if (n > 5 && buffer[4] == PacketCodec.Version && buffer[5] == (byte)PacketType.Announce)
            {
                byte[] datagram = buffer[..n];
                if (announces.Any(a => a.AsSpan().SequenceEqual(datagram)))
                {
                    break; // the next round repeats the first
                }

                announces.Add(datagram);
            }
        }

        await Run.Ok(send);
        return announces;
    }

    /// <summary>Sends datagrams from the forging client to the receiver.</summary>
    public void Inject(IEnumerable<byte[]> datagrams)
    {
        foreach (byte[] datagram in datagrams)
        {
            _forger.SendTo(datagram, Endpoint);
        }
    }

    /// <summary>Bytes the spool folder holds on disk (allocated blocks, not lengths: spool files may be sparse).</summary>
    public static async Task<long> AllocatedBytesAsync(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }

        var du = await Run.Process("du", ["-s", "--block-size=1", directory]);
        return du.ExitCode == 0 && long.TryParse(du.Stdout.Split('\t')[0], out var bytes) ? bytes : 0;
    }

    private static int FreeUdpPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        _forger.Dispose();
        _dir.Dispose();
    }
}

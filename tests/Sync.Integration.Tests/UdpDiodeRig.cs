using System.Diagnostics;
using System.Text.RegularExpressions;
using Sync.Integration.Tests.Infrastructure;
using Sync.Testing.FileSystem;

namespace Sync.Integration.Tests;

/// <summary>
/// The UDP tests run one at a time, after the parallel ones: they pace real traffic on a 2-core machine, where a
/// busy neighbour turns into receiver overruns that the test would count as link loss.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class UdpDiodeCollection
{
    public const string Name = "udp-diode";
}

/// <summary>
/// One outside and N insides of the real agents on a one-way namespace link (<see cref="NetnsLink"/>): the outside
/// agent runs in the outside namespace, each inside agent in its own namespace with its own state and target.
/// </summary>
public sealed class UdpDiodeRig : IAsyncDisposable
{
    public const int Port = 7700;

    private readonly TempDirectory _dir = new();

    private UdpDiodeRig(NetnsLink link)
    {
        Link = link;
        Source = _dir.CreateSubdirectory("source");
        OutsideState = _dir.Combine("outside-state");
        Key = _dir.Combine("key");
    }

    public NetnsLink Link { get; }

    public string Source { get; }

    public string OutsideState { get; }

    public string Key { get; }

    public string Dir(string name) => _dir.Combine(name);

    public string InsideState(int receiver = 1) => _dir.Combine($"inside{receiver}-state");

    public string Target(int receiver = 1) => _dir.Combine($"inside{receiver}-target");

    public static async Task<UdpDiodeRig> CreateAsync(int receivers = 1)
    {
        var link = await NetnsLink.CreateAsync(receivers);
        var rig = new UdpDiodeRig(link);
        await Run.Ok(Run.Outside("keygen", "--key", rig.Key));
        return rig;
    }

    /// <summary>`sync-outside send` in the outside namespace, to the first inside unless <paramref name="to"/> says otherwise.</summary>
    public Task<ProcessResult> Send(string rate, params string[] extra) => SendTo($"{NetnsLink.InsideAddress(1)}:{Port}", rate, extra);

    public Task<ProcessResult> SendTo(string to, string rate, params string[] extra) =>
        Link.AgentAsync(Link.Outside, "sync-outside",
            ["send", "--source", Source, "--state", OutsideState, "--key", Key, "--udp", to, "--rate", rate, "--quiet", .. extra],
            TimeSpan.FromMinutes(3));

    public (Process Process, Task<ProcessResult> Completion) SendInBackground(string rate, params string[] extra) =>
        Link.StartAgent(Link.Outside, "sync-outside",
            ["send", "--source", Source, "--state", OutsideState, "--key", Key, "--udp", $"{NetnsLink.InsideAddress(1)}:{Port}", "--rate", rate, "--quiet", .. extra],
            TimeSpan.FromMinutes(3));

    /// <summary>Starts `sync-inside receive` in an inside namespace and returns once its socket is bound.</summary>
    public async Task<(Process Process, Task<ProcessResult> Completion)> StartReceiveAsync(int receiver, params string[] extra)
    {
        string[] args =
        [
            "receive", "--udp", $"{NetnsLink.InsideAddress(receiver)}:{Port}", "--target", Target(receiver), "--state", InsideState(receiver),
            "--trust", Key + ".pub", "--report-interval", "1", .. extra,
        ];
        var started = Link.StartAgent(Link.Inside(receiver), "sync-inside", args, TimeSpan.FromMinutes(4));
        await WaitBoundAsync(receiver, started.Completion);
        return started;
    }

    /// <summary>Polls the namespace's UDP sockets until the receiver listens (its startup takes a second or two).</summary>
    public async Task WaitBoundAsync(int receiver, Task<ProcessResult> completion)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (completion.IsCompleted)
            {
                Assert.Fail($"the receiver ended before listening: {await completion}");
            }

            var sockets = await Run.Process("ip", ["netns", "exec", Link.Inside(receiver), "ss", "-Hlun", $"sport = :{Port}"]);
            if (sockets.ExitCode == 0 && sockets.Stdout.Trim().Length > 0)
            {
                return;
            }

            await Task.Delay(100);
        }

        Assert.Fail("the receiver did not bind its UDP port within 30 s");
    }

    public Task<ProcessResult> Verify(int receiver = 1) => Run.Inside("verify", "--target", Target(receiver), "--state", InsideState(receiver), "--quiet");

    /// <summary>Sends datagrams of random bytes from the outside namespace (bash's /dev/udp: no extra tool needed).</summary>
    public Task<ProcessResult> SendGarbage(int count, int receiver = 1) =>
        Run.Process("ip", ["netns", "exec", Link.Outside, "bash", "-c",
            $"for i in $(seq {count}); do head -c $((64 + RANDOM % 1400)) /dev/urandom > /dev/udp/{NetnsLink.InsideAddress(receiver)}/{Port}; done"]);

    /// <summary>A counter from the receiver's last report line, e.g. "bad-mac 12" or "12 resumed".</summary>
    public static long ReportNumber(string stdout, string pattern)
    {
        var reports = stdout.Split('\n').Where(l => l.StartsWith("report:", StringComparison.Ordinal)).ToList();
        Assert.True(reports.Count > 0, $"no report line in:\n{stdout}");
        var match = Regex.Match(reports[^1], pattern);
        Assert.True(match.Success, $"'{pattern}' not in the last report: {reports[^1]}");
        return long.Parse(match.Groups[1].Value);
    }

    /// <summary>A tree of <paramref name="files"/> random files of <paramref name="sizeBytes"/> each plus a few small ones and a symlink.</summary>
    public void MakeTree(int files, int sizeBytes, int seed)
    {
        for (var i = 0; i < files; i++)
        {
            TreeBuilder.Write(Source, $"pool/main/p{i / 4}/pkg{i}_1.0_amd64.deb", TreeBuilder.RandomBytes(sizeBytes, seed + i));
        }

        TreeBuilder.Write(Source, "dists/stable/Release", System.Text.Encoding.UTF8.GetBytes($"Suite: stable\nSeed: {seed}\n"));
        TreeBuilder.Write(Source, "dists/stable/main/binary-amd64/Packages", TreeBuilder.RandomBytes(200_000, seed + 1000));
        Directory.CreateDirectory(Path.Combine(Source, "empty"));
        if (!File.Exists(Path.Combine(Source, "latest")))
        {
            File.CreateSymbolicLink(Path.Combine(Source, "latest"), "dists/stable");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Link.DisposeAsync();
        _dir.Dispose();
    }
}

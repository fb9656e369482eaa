using System.Net;
using System.Net.Sockets;
using System.Text;
using DotNet.Testcontainers.Builders;
using DotNet.Testcontainers.Configurations;
using DotNet.Testcontainers.Containers;
using DotNet.Testcontainers.Volumes;

namespace Sync.Containers.Tests.Infrastructure;

/// <summary>
/// An outside, an inside, nginx serving the inside's mirror and an apt client, each in its own container from the
/// locally built images, as deploy/compose.yaml lays them out: a file-drop volume shared by outside and inside, the
/// inside's mirror and state volumes mounted read-only into the web server, host networking (no bridge or NAT is
/// set up on the test machine) on free loopback ports. The source repository is a real signed reprepro tree made
/// on the host by scripts/make-apt-repo.sh and bind-mounted read-only into the outside. Everything made is removed
/// on dispose.
/// </summary>
internal sealed class Site : IAsyncDisposable
{
    public const string Codename = "sample";
    public const string Target = "/srv/mirror/debian";
    private const string OutsideKey = "/var/lib/sync-outside/outside.key";
    private const string TrustedKey = "/etc/sync/outside.key.pub";

    private readonly List<IContainer> _containers = [];
    private readonly List<IVolume> _volumes = [];
    private readonly string _workDir;

    private Site(string workDir)
    {
        _workDir = workDir;
        WebPort = FreePort();
    }

    /// <summary>The host directory of the signed repository (make-apt-repo.sh layout: repo/, gnupg/, keyring.gpg).</summary>
    public string RepoDirectory => Path.Combine(_workDir, "apt");

    public int WebPort { get; }

    public IContainer Outside { get; private set; } = null!;

    public IContainer Inside { get; private set; } = null!;

    public IContainer Client { get; private set; } = null!;

    public IVolume Drop { get; private set; } = null!;

    public IVolume Mirror { get; private set; } = null!;

    public IVolume InsideState { get; private set; } = null!;

    /// <summary>The repository and the outside with a fresh signing key; the inside is started by the caller.</summary>
    public static async Task<Site> CreateAsync(int packages = 12)
    {
        ContainerRequirement.Ensure();
        var dir = Path.Combine(Path.GetTempPath(), "sync-ct-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0x1ED); // 0755: the containers' _sync user reads the repository
        var site = new Site(dir);
        try
        {
            await Repo.ScriptAsync("make-apt-repo.sh", "init", site.RepoDirectory, "--packages", packages.ToString(), "--size-kib", "32");
            site.Drop = await site.VolumeAsync();
            site.Mirror = await site.VolumeAsync();
            site.InsideState = await site.VolumeAsync();
            site.Outside = await site.StartAsync(Idle(new ContainerBuilder($"sync-outside:{Repo.Version}"))
                .WithBindMount(Path.Combine(site.RepoDirectory, "repo"), "/srv/repo", AccessMode.ReadOnly)
                .WithVolumeMount(site.Drop, "/var/spool/sync-outside"));
            await site.Ok(site.Outside, "sync-outside", "keygen", "--key", OutsideKey);
            return site;
        }
        catch
        {
            await site.DisposeAsync();
            throw;
        }
    }

    /// <summary>The inside's public trust anchor, as an operator copies it over once.</summary>
    public Task<byte[]> PublicKeyAsync() => Outside.ReadFileAsync(OutsideKey + ".pub");

    /// <summary>The inside container idle (for imports run one by one), or running <paramref name="command"/> as its main process.</summary>
    public async Task StartInsideAsync(params string[] command)
    {
        var builder = new ContainerBuilder($"sync-inside:{Repo.Version}")
            .WithResourceMapping(await PublicKeyAsync(), FilePath.Of(TrustedKey), fileMode: Unix.FileMode644)
            .WithVolumeMount(Drop, "/var/spool/sync-inside")
            .WithVolumeMount(Mirror, "/srv/mirror")
            .WithVolumeMount(InsideState, "/var/lib/sync-inside");
        builder = command.Length == 0
            ? Idle(builder)
            : Host(builder).WithCommand(command).WithWaitStrategy(Wait.ForUnixContainer().UntilMessageIsLogged("Serving"));
        Inside = await StartAsync(builder);
    }

    /// <summary>nginx over the inside's volumes, and a plain Debian 12 container as the apt client, set up to read the mirror.</summary>
    public async Task StartWebAndClientAsync()
    {
        await StartAsync(Host(new ContainerBuilder($"sync-web:{Repo.Version}"))
            .WithEnvironment("SYNC_WEB_LISTEN", $"127.0.0.1:{WebPort}")
            .WithVolumeMount(Mirror, "/srv/mirror", AccessMode.ReadOnly)
            .WithVolumeMount(InsideState, "/var/lib/sync-inside", AccessMode.ReadOnly)
            .WithWaitStrategy(Wait.ForUnixContainer().UntilInternalTcpPortIsAvailable(WebPort)));
        var sources = $"deb [signed-by=/etc/apt/keyrings/sample.gpg] http://127.0.0.1:{WebPort}/debian {Codename} main\n";
        Client = await StartAsync(Idle(new ContainerBuilder("sync-debian:12"))
            .WithResourceMapping(await File.ReadAllBytesAsync(Path.Combine(RepoDirectory, "keyring.gpg")), FilePath.Of("/etc/apt/keyrings/sample.gpg"), fileMode: Unix.FileMode644)
            // Only the mirror: the client is as air-gapped as the inside.
            .WithResourceMapping(Encoding.UTF8.GetBytes(sources), FilePath.Of("/etc/apt/sources.list"), fileMode: Unix.FileMode644));
    }

    public Task<ExecResult> ExportAsync() => Ok(Outside, "sync-outside", "export", "--source", "/srv/repo", "--state", "/var/lib/sync-outside",
        "--key", OutsideKey, "--drop", "/var/spool/sync-outside", "--quiet");

    public Task<ExecResult> ImportAsync() => Ok(Inside, "sync-inside", "import", "--drop", "/var/spool/sync-inside", "--target", Target,
        "--state", "/var/lib/sync-inside", "--trust", TrustedKey, "--quiet");

    public Task<ExecResult> PushAsync(int port) => Ok(Outside, "sync-outside", "push", "--source", "/srv/repo", "--state", "/var/lib/sync-outside",
        "--key", OutsideKey, "--to", $"http://127.0.0.1:{port}", "--quiet");

    public Task<ExecResult> AptAsync(params string[] args) => Ok(Client, ["apt-get", "-q", "-o", "Acquire::Retries=0", .. args]);

    /// <summary>A reprepro update on the host (packages added, removed, upgraded; indices rewritten and re-signed).</summary>
    public Task UpdateRepositoryAsync() => Repo.ScriptAsync("make-apt-repo.sh", "update", RepoDirectory, "--add", "3", "--remove", "2", "--upgrade", "4");

    /// <summary>Package name to version, from the host repository's index (what apt must see after the sync).</summary>
    public IReadOnlyDictionary<string, string> SourcePackages()
    {
        var index = Path.Combine(RepoDirectory, "repo", "dists", Codename, "main", "binary-amd64", "Packages");
        var packages = new Dictionary<string, string>();
        string? name = null;
        foreach (var line in File.ReadLines(index))
        {
            if (line.StartsWith("Package: ", StringComparison.Ordinal))
            {
                name = line["Package: ".Length..];
            }
            else if (line.StartsWith("Version: ", StringComparison.Ordinal) && name is not null)
            {
                packages[name] = line["Version: ".Length..];
            }
        }

        return packages;
    }

    /// <summary>Runs a command in a container; a non-zero exit fails the test with its output.</summary>
    public async Task<ExecResult> Ok(IContainer container, params string[] command)
    {
        var result = await container.ExecAsync(command);
        Assert.True(result.ExitCode == 0, $"'{string.Join(' ', command)}' exited {result.ExitCode}:\n{result.Stdout}{result.Stderr}");
        return result;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var container in Enumerable.Reverse(_containers))
        {
            await container.DisposeAsync();
        }

        foreach (var volume in _volumes)
        {
            await volume.DeleteAsync();
        }

        try
        {
            Directory.Delete(_workDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Host networking: the test machine sets up no bridge or NAT for containers (dockerd --bridge=none).</summary>
    public static ContainerBuilder Host(ContainerBuilder builder) =>
        builder.WithCreateParameterModifier(parameters => (parameters.HostConfig ??= new()).NetworkMode = "host")
            // Removed by the daemon once stopped, anonymous volumes included: no reaper container can be pulled here.
            .WithAutoRemove(true);

    /// <summary>A container that only waits, for commands run in it one by one, as an operator or a timer would.</summary>
    public static ContainerBuilder Idle(ContainerBuilder builder) => Host(builder).WithEntrypoint("sleep").WithCommand("infinity");

    private async Task<IContainer> StartAsync(ContainerBuilder builder)
    {
        var container = builder.Build();
        _containers.Add(container);
        await container.StartAsync();
        return container;
    }

    private async Task<IVolume> VolumeAsync()
    {
        var volume = new VolumeBuilder().WithName("sync-ct-" + Guid.NewGuid().ToString("N")[..12]).Build();
        _volumes.Add(volume);
        await volume.CreateAsync();
        return volume;
    }

    private static class Unix
    {
        public const UnixFileModes FileMode644 = UnixFileModes.UserRead | UnixFileModes.UserWrite | UnixFileModes.GroupRead | UnixFileModes.OtherRead;
    }
}

using System.CommandLine;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serilog.Events;
using Sync.Transport.Grpc;

namespace Sync.Hosting;

/// <summary>
/// What both agents' gRPC `serve` commands take (where to listen, TLS with its client allow list, how long a second
/// caller waits, the metrics port), and how a serving agent runs: the gRPC server with the agent's services, until
/// SIGTERM or Ctrl-C, saying once it listens (a log line and systemd readiness).
/// </summary>
public sealed class GrpcServeOptions
{
    public Option<string> Listen { get; } = new("--listen") { Description = "HOST:PORT to listen on (plain text only on loopback).", Required = true };

    public TlsOptions Tls { get; } = new();

    public ServeOptions Serve { get; } = new();

    public MetricsOptions Metrics { get; } = new();

    public void AddTo(Command command)
    {
        command.Options.Add(Listen);
        Serve.AddTo(command);
        Metrics.AddListenTo(command);
        Tls.AddServerOptions(command);
    }

    /// <summary>The address and TLS settings, checked before anything is opened.</summary>
    public (IPEndPoint Endpoint, TlsSettings Tls) Read(ParseResult result) => (ListenAddress.Parse(result.GetValue(Listen)!), Tls.Server(result));

    /// <summary>
    /// Serves until stopped, once the agent has taken its lock and checked its state: answers scrapes on
    /// --metrics-listen (a port already taken fails here, before the gRPC port is opened), logs at Information (Debug
    /// when <paramref name="verbose"/>), and once listening, <paramref name="announce"/> writes the agent's "Serving"
    /// line (its own template: the operator's logs name a target or a source) and systemd hears <paramref name="serving"/>.
    /// </summary>
    public async Task<int> RunAsync(
        string agent, ParseResult result, (IPEndPoint Endpoint, TlsSettings Tls) listen, bool verbose, string serving,
        Action<IServiceCollection> configureServices, Action<WebApplication> mapServices, Action<ILoggerFactory> announce, CancellationToken cancellationToken)
    {
        await using var scrape = await Metrics.StartAsync(result, cancellationToken).ConfigureAwait(false);
        var level = verbose ? LogEventLevel.Debug : LogEventLevel.Information;
        var (endpoint, tls) = listen;
        await using var app = GrpcServer.Build(agent, endpoint, tls, services =>
        {
            AgentHost.AddAgentServices(services, agent, level);
            configureServices(services);
        }, mapServices);
        await GrpcServer.RunUntilStoppedAsync(
            app,
            () =>
            {
                announce(app.Services.GetRequiredService<ILoggerFactory>());
                ServiceReadiness.Ready(app.Services, $"serving {serving} on {endpoint}");
            },
            cancellationToken).ConfigureAwait(false);
        return 0;
    }
}

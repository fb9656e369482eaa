using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Sync.Core.Streams;
using Sync.Protocol;

namespace Sync.Hosting;

/// <summary>
/// Builds the .NET generic host both agents run in, one-shot commands and services alike: Serilog to stderr
/// (warnings only unless --verbose, so scripts see one line per problem), a clock, and the caller's services.
/// </summary>
public static class AgentHost
{
    /// <summary>
    /// The one real clock of an agent process: registered in every host, and handed to what runs without one (status,
    /// a failure line written before any host exists). Everything else takes the host's <see cref="TimeProvider"/>.
    /// </summary>
    public static TimeProvider Clock => TimeProvider.System;

    public static IHost Build(string agentName, bool verbose, Action<IServiceCollection> configure) =>
        Build(agentName, verbose ? LogEventLevel.Debug : LogEventLevel.Warning, configure);

    /// <summary>As above with an explicit level: long-running commands log one line per sync at Information.</summary>
    public static IHost Build(string agentName, LogEventLevel level, Action<IServiceCollection> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = agentName,
            DisableDefaults = true,
        });
        builder.Logging.ClearProviders();
        AddAgentServices(builder.Services, agentName, level);
        configure(builder.Services);
        return builder.Build();
    }

    /// <summary>
    /// The host of a command that reads or writes the sync stream: <see cref="Build(string, bool, Action{IServiceCollection})"/>
    /// with the protobuf wire codec, the one codec both agents speak; the command takes it back with <see cref="WireCodec"/>.
    /// </summary>
    public static IHost BuildWithWireCodec(string agentName, bool verbose) => Build(agentName, verbose, AddWireCodec);

    /// <summary>As above with an explicit level: long-running commands log one line per sync at Information.</summary>
    public static IHost BuildWithWireCodec(string agentName, LogEventLevel level) => Build(agentName, level, AddWireCodec);

    /// <summary>
    /// Serilog to stderr at <paramref name="level"/> in the format <see cref="LogOutput"/> chose (framework chatter only
    /// from warnings up), the clock and systemd's notifier: what every agent process registers, one-shot commands
    /// through <see cref="Build"/> and servers through their web host.
    /// </summary>
    public static void AddAgentServices(IServiceCollection services, string agentName, LogEventLevel level)
    {
        var logger = LogOutput.WriteTo(new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", level > LogEventLevel.Warning ? level : LogEventLevel.Warning)
            .MinimumLevel.Override("Grpc", level > LogEventLevel.Warning ? level : LogEventLevel.Warning)
            // A host that cannot start (port taken) logs the whole trace; the command runner says it in one line.
            .MinimumLevel.Override("Microsoft.Extensions.Hosting.Internal.Host", LogEventLevel.Fatal)
            .Enrich.WithProperty("Agent", agentName))
            .CreateLogger();
        services.AddSerilog(logger, dispose: true);
        services.AddSingleton(Clock);
        services.AddSingleton<ISystemdNotifier, SystemdNotifier>(); // see ServiceReadiness
    }

    public static ILogger<T> Logger<T>(this IHost host) => host.Services.GetRequiredService<ILogger<T>>();

    /// <summary>The host's clock: <see cref="Clock"/> unless a test composed another.</summary>
    public static TimeProvider Time(this IHost host) => host.Services.GetRequiredService<TimeProvider>();

    /// <summary>
    /// The host's ApplicationStopping. Its console lifetime takes SIGTERM and Ctrl-C for itself, so the command line's
    /// token never hears of them: a long-running command stops on this too.
    /// </summary>
    public static CancellationToken Stopping(this IHost host) => host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

    /// <summary>Cancelled by <paramref name="token"/> (the command line's) or by <see cref="Stopping"/>, whichever comes first.</summary>
    public static CancellationTokenSource LinkToStopping(this IHost host, CancellationToken token) =>
        CancellationTokenSource.CreateLinkedTokenSource(token, host.Stopping());

    /// <summary>The codec a host built by <see cref="BuildWithWireCodec(string, bool)"/> holds.</summary>
    public static IWireCodec WireCodec(this IHost host) => host.Services.GetRequiredService<IWireCodec>();

    private static void AddWireCodec(IServiceCollection services) => services.AddSingleton<IWireCodec, ProtobufWireCodec>();
}

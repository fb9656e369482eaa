using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;

namespace Sync.Hosting;

/// <summary>
/// Builds the .NET generic host both agents run in, one-shot commands and services alike: Serilog to stderr
/// (warnings only unless --verbose, so scripts see one line per problem), a clock, and the caller's services.
/// </summary>
public static class AgentHost
{
    public static IHost Build(string agentName, bool verbose, Action<IServiceCollection> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ApplicationName = agentName,
            DisableDefaults = true,
        });
        var logger = new LoggerConfiguration()
            .MinimumLevel.Is(verbose ? LogEventLevel.Debug : LogEventLevel.Warning)
            .Enrich.WithProperty("Agent", agentName)
            .WriteTo.Console(
                outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}",
                standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();
        builder.Logging.ClearProviders();
        builder.Services.AddSerilog(logger, dispose: true);
        builder.Services.AddSingleton(TimeProvider.System);
        configure(builder.Services);
        return builder.Build();
    }

    public static ILogger<T> Logger<T>(this IHost host) => host.Services.GetRequiredService<ILogger<T>>();
}

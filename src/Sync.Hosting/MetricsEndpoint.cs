using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Sync.Core;

namespace Sync.Hosting;

/// <summary>
/// <c>--metrics-listen</c>: a small Kestrel server of its own (HTTP/1.1, plain text, like every Prometheus target)
/// that answers <c>GET /metrics</c> from a <see cref="MetricsCollector"/> and 404 to anything else. Separate from a
/// gRPC listener, which speaks HTTP/2 only and may require client certificates a scraper does not have.
/// </summary>
public sealed class MetricsEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MetricsEndpoint(WebApplication app, MetricsCollector collector)
    {
        _app = app;
        Collector = collector;
    }

    /// <summary>Owned: disposed with the endpoint.</summary>
    public MetricsCollector Collector { get; }

    /// <summary>Listens on <paramref name="listen"/>; a taken port is one clear failure, before the command does any work.</summary>
    public static async Task<MetricsEndpoint> StartAsync(IPEndPoint listen, MetricsCollector collector, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = 16;
            kestrel.Limits.MaxRequestBodySize = 0;
            kestrel.Listen(listen, options => options.Protocols = HttpProtocols.Http1);
        });
        var app = builder.Build();
        app.MapGet("/metrics", () => Results.Text(PrometheusText.Write(collector.Collect()), PrometheusText.ContentType));
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw new SyncException(SyncErrorKind.Failure, $"--metrics-listen {listen}: {e.Message}");
        }

        return new MetricsEndpoint(app, collector);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        Collector.Dispose();
    }
}

using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Sync.Core;

namespace Sync.Transport.Grpc;

/// <summary>
/// Kestrel serving HTTP/2 only, with TLS (and client certificates against a private CA when asked) or plain text on
/// loopback only, the standard gRPC health service, and deliberate message and window limits.
/// </summary>
public static class GrpcServer
{
    /// <summary>Serves until the token (SIGTERM, Ctrl-C) or the host stops, then stops, letting a sync in flight end safely.</summary>
    public static async Task RunUntilStoppedAsync(WebApplication app, Action onListening, CancellationToken cancellationToken)
    {
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        onListening();
        try
        {
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping below is the normal end of a service.
        }

        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    public static WebApplication Build(
        string agentName, IPEndPoint listen, TlsSettings tls, Action<IServiceCollection> configureServices, Action<WebApplication> mapServices)
    {
        if (!tls.HasCertificate && !IPAddress.IsLoopback(listen.Address))
        {
            throw SyncException.Usage(
                $"plain-text HTTP/2 is only for loopback; to listen on {listen} pass --tls-cert and --tls-key (and --client-ca to require client certificates)");
        }

        if (tls.HasCertificate != (tls.KeyPath is not null))
        {
            throw SyncException.Usage("--tls-cert and --tls-key go together");
        }

        if (tls.PeerCaPath is not null && !tls.HasCertificate)
        {
            throw SyncException.Usage("--client-ca needs --tls-cert and --tls-key: client certificates are checked only over TLS");
        }

        var certificate = tls.HasCertificate ? CertificateFiles.LoadWithKey(tls.CertificatePath!, tls.KeyPath!) : null;
        var clientRoots = tls.PeerCaPath is null ? null : CertificateFiles.LoadCa(tls.PeerCaPath);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = agentName });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.Http2.InitialStreamWindowSize = GrpcLimits.StreamWindowBytes;
            kestrel.Limits.Http2.InitialConnectionWindowSize = GrpcLimits.ConnectionWindowBytes;
            kestrel.Limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
            kestrel.Limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(60);
            kestrel.Listen(listen, options =>
            {
                options.Protocols = HttpProtocols.Http2;
                if (certificate is not null)
                {
                    options.UseHttps(https =>
                    {
                        https.ServerCertificate = certificate;
                        if (clientRoots is not null)
                        {
                            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                            https.ClientCertificateValidation = (client, chain, _) => CertificateFiles.ChainsTo(
                                client, clientRoots, chain is null ? null : new X509Certificate2Collection(chain.ChainElements.Select(e => e.Certificate).ToArray()));
                        }
                    });
                }
            });
        });
        builder.Services.AddGrpc(options =>
        {
            options.MaxReceiveMessageSize = GrpcLimits.MaxMessageBytes;
            options.MaxSendMessageSize = GrpcLimits.MaxMessageBytes;
            options.EnableDetailedErrors = false;
        });
        // Registered after Kestrel's own factory, so this one is what it resolves.
        builder.Services.AddSingleton<Microsoft.AspNetCore.Connections.IMemoryPoolFactory<byte>, LargeBlockMemoryPoolFactory>();
        builder.Services.AddGrpcHealthChecks().AddCheck("sync", () => HealthCheckResult.Healthy());
        configureServices(builder.Services);
        var app = builder.Build();
        app.MapGrpcHealthChecksService();
        mapServices(app);
        return app;
    }
}

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
        CheckOptions(listen, tls);
        var anonymous = tls.PeerCaPath is null;
        var loopback = IPAddress.IsLoopback(listen.Address);

        var certificate = tls.HasCertificate ? CertificateFiles.LoadWithKey(tls.CertificatePath!, tls.KeyPath!) : null;
        var serverUsage = certificate is null ? null : CertificateFiles.Usage(certificate, CertificateFiles.ServerAuth);
        if (serverUsage == false)
        {
            throw SyncException.Usage(
                $"{tls.CertificatePath} ({CertificateFiles.SubjectOf(certificate!)}) lacks the serverAuth extended key usage: it was issued for other purposes; issue one with extendedKeyUsage=serverAuth");
        }

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
            // One sync at a time (and a few waiting for it), plus health probes: a peer gets no more than this.
            kestrel.Limits.MaxConcurrentConnections = GrpcLimits.MaxConnections;
            kestrel.Limits.Http2.MaxStreamsPerConnection = GrpcLimits.MaxStreamsPerConnection;
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
                            var log = new Lazy<ILogger>(() => kestrel.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GrpcServer)));
                            https.ClientCertificateValidation = (client, chain, _) => AdmitClient(client, chain, clientRoots, log.Value);
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
        // Run on every Check (the package's default: no cache), so a probe sees the state of that moment.
        builder.Services.AddGrpcHealthChecks().AddCheck<ServingHealthCheck>("sync");
        configureServices(builder.Services);
        builder.Services.AddSingleton(tls.AllowedSubjects);
        builder.Services.AddSingleton<ServedCalls>();
        var app = builder.Build();
        // Warnings at every start, where an operator reading the service's log sees them.
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GrpcServer));
        if (certificate is not null && serverUsage is null)
        {
            app.Lifetime.ApplicationStarted.Register(() => GrpcLog.ServerCertificateWithoutServerAuth(logger, CertificateFiles.SubjectOf(certificate)));
        }

        if (anonymous && !loopback)
        {
            app.Lifetime.ApplicationStarted.Register(() => GrpcLog.AnonymousClientsAdmitted(logger, listen));
        }

        app.MapGrpcHealthChecksService();
        mapServices(app);
        return app;
    }

    /// <summary>
    /// Refuses, as a usage error, a server that would talk plain text off loopback, admit anonymous clients off
    /// loopback without being told to, or has options that contradict each other.
    /// </summary>
    private static void CheckOptions(IPEndPoint listen, TlsSettings tls)
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

        var anonymous = tls.PeerCaPath is null;
        var loopback = IPAddress.IsLoopback(listen.Address);
        if (anonymous && !loopback && !tls.AllowAnonymous)
        {
            throw SyncException.Usage(
                $"serving {listen} without --client-ca admits anyone who can reach it (they learn what this agent holds and can keep it busy); " +
                "pass --client-ca CA.pem to require client certificates, or --allow-anonymous to accept that");
        }

        if (!anonymous && tls.AllowAnonymous)
        {
            throw SyncException.Usage("--allow-anonymous contradicts --client-ca: drop one");
        }

        if (anonymous && !tls.AllowedSubjects.IsEmpty)
        {
            throw SyncException.Usage("--allow-subject needs --client-ca: the subjects are those of client certificates");
        }
    }

    /// <summary>The TLS handshake's check of a client certificate: chains to --client-ca and carries clientAuth. A refusal is logged with the reason.</summary>
    private static bool AdmitClient(X509Certificate2 client, X509Chain? chain, X509Certificate2Collection roots, ILogger logger)
    {
        var intermediates = chain is null ? null : new X509Certificate2Collection(chain.ChainElements.Select(e => e.Certificate).ToArray());
        if (CertificateFiles.Problem(client, roots, intermediates, CertificateFiles.ClientAuth) is not { } problem)
        {
            return true;
        }

        GrpcLog.ClientCertificateRefused(logger, CertificateFiles.SubjectOf(client), problem);
        return false;
    }
}

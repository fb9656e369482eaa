using System.Net;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Sync.Core;

namespace Sync.Transport.Grpc;

/// <summary>
/// The dialling end's channel: https with the server checked against a private CA or a pinned certificate (and a
/// client certificate for mTLS), or plain-text HTTP/2 to loopback only. Same message and window limits as the server.
/// </summary>
public static class GrpcClient
{
    public static GrpcChannel Create(string url, TlsSettings tls)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw SyncException.Usage($"'{url}' is not an http:// or https:// URL");
        }

        if (uri.Scheme == Uri.UriSchemeHttp)
        {
            if (!IsLoopback(uri))
            {
                throw SyncException.Usage($"plain-text HTTP/2 is only for loopback; use https://{uri.Authority} with --tls-ca or --tls-pin");
            }

            if (tls.HasCertificate || tls.PeerCaPath is not null || tls.PinnedSha256 is not null)
            {
                throw SyncException.Usage($"TLS options given for plain-text '{url}'; use https://");
            }
        }

        if (tls.HasCertificate != (tls.KeyPath is not null))
        {
            throw SyncException.Usage("--tls-cert and --tls-key go together");
        }

        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = false,
            InitialHttp2StreamWindowSize = GrpcLimits.StreamWindowBytes,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(60),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectTimeout = TimeSpan.FromSeconds(15),
        };
        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            var roots = tls.PeerCaPath is null ? null : CertificateFiles.LoadCa(tls.PeerCaPath);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                CertificateFiles.CheckServer(certificate, chain, errors, tls, roots);
            if (tls.HasCertificate)
            {
                handler.SslOptions.ClientCertificates = new X509CertificateCollection { CertificateFiles.LoadWithKey(tls.CertificatePath!, tls.KeyPath!) };
            }
        }

        return GrpcChannel.ForAddress(uri, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = GrpcLimits.MaxMessageBytes,
            MaxSendMessageSize = GrpcLimits.MaxMessageBytes,
            DisposeHttpClient = true,
        });
    }

    private static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.DnsSafeHost, out var address) && IPAddress.IsLoopback(address));
}

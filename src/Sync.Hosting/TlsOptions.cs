using System.CommandLine;
using Sync.Transport.Grpc;

namespace Sync.Hosting;

/// <summary>The TLS options both agents' gRPC commands share, so they read the same everywhere.</summary>
public sealed class TlsOptions
{
    public Option<string> Certificate { get; } = new("--tls-cert") { Description = "This end's certificate (PEM)." };

    public Option<string> Key { get; } = new("--tls-key") { Description = "The private key of --tls-cert (PEM)." };

    /// <summary>Server side: require client certificates signed by this CA (mTLS).</summary>
    public Option<string> ClientCa { get; } = new("--client-ca") { Description = "Require client certificates signed by this CA (PEM) for client authentication (clientAuth usage): mutual TLS." };

    /// <summary>Server side: admit clients without a certificate on a non-loopback address.</summary>
    public Option<bool> AllowAnonymous { get; } = new("--allow-anonymous")
    {
        Description = "Serve a non-loopback address without --client-ca: anyone who can connect may sync (refused otherwise; warned at every start).",
    };

    /// <summary>Server side: only client certificates with these subjects may sync.</summary>
    public Option<string[]> AllowSubject { get; } = new("--allow-subject")
    {
        Description = "Only a client certificate with this subject may sync, e.g. \"CN=outside-1,O=Example\"; repeat for several (needs --client-ca).",
    };

    /// <summary>Server side: the allowed subjects, one a line.</summary>
    public Option<string> AllowSubjectFile { get; } = new("--allow-subject-file") { Description = "A file of allowed subjects, one a line ('#' comments), as --allow-subject." };

    /// <summary>Client side: verify the server against this CA.</summary>
    public Option<string> ServerCa { get; } = new("--tls-ca") { Description = "Verify the server's certificate against this CA (PEM) instead of the system roots." };

    /// <summary>Client side: accept exactly this server certificate.</summary>
    public Option<string> Pin { get; } = new("--tls-pin") { Description = "Accept only the server certificate with this SHA-256 (hex of its DER bytes)." };

    public void AddServerOptions(Command command) => command.AddOptions(Certificate, Key, ClientCa, AllowAnonymous, AllowSubject, AllowSubjectFile);

    /// <summary>A server's settings: its certificate, and the clients it admits.</summary>
    public TlsSettings Server(ParseResult result) => TlsSettings.Server(
        result.GetValue(Certificate), result.GetValue(Key), result.GetValue(ClientCa),
        result.GetValue(AllowAnonymous), result.GetValue(AllowSubject), result.GetValue(AllowSubjectFile));

    /// <summary>A client's settings: how it checks the server, and its own certificate for mutual TLS.</summary>
    public TlsSettings Client(ParseResult result) => new(result.GetValue(Certificate), result.GetValue(Key), result.GetValue(ServerCa), result.GetValue(Pin));

    public void AddClientOptions(Command command) => command.AddOptions(ServerCa, Pin, Certificate, Key);
}

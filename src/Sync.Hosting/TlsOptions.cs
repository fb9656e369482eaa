using System.CommandLine;

namespace Sync.Hosting;

/// <summary>The TLS options both agents' gRPC commands share, so they read the same everywhere.</summary>
public sealed class TlsOptions
{
    public Option<string> Certificate { get; } = new("--tls-cert") { Description = "This end's certificate (PEM)." };

    public Option<string> Key { get; } = new("--tls-key") { Description = "The private key of --tls-cert (PEM)." };

    /// <summary>Server side: require client certificates signed by this CA (mTLS).</summary>
    public Option<string> ClientCa { get; } = new("--client-ca") { Description = "Require client certificates signed by this CA (PEM): mutual TLS." };

    /// <summary>Client side: verify the server against this CA.</summary>
    public Option<string> ServerCa { get; } = new("--tls-ca") { Description = "Verify the server's certificate against this CA (PEM) instead of the system roots." };

    /// <summary>Client side: accept exactly this server certificate.</summary>
    public Option<string> Pin { get; } = new("--tls-pin") { Description = "Accept only the server certificate with this SHA-256 (hex of its DER bytes)." };

    public void AddServerOptions(Command command)
    {
        command.Options.Add(Certificate);
        command.Options.Add(Key);
        command.Options.Add(ClientCa);
    }

    public void AddClientOptions(Command command)
    {
        command.Options.Add(ServerCa);
        command.Options.Add(Pin);
        command.Options.Add(Certificate);
        command.Options.Add(Key);
    }
}

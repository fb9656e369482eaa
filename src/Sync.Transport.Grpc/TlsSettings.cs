namespace Sync.Transport.Grpc;

/// <summary>
/// TLS files for one end. A server uses Certificate/Key and, with PeerCa, requires client certificates that CA
/// signed (mTLS). A client verifies the server against PeerCa (or the system roots), or against a pinned certificate
/// (SHA-256 of its DER bytes), and presents Certificate/Key when given.
/// </summary>
public sealed record TlsSettings(string? CertificatePath, string? KeyPath, string? PeerCaPath, string? PinnedSha256)
{
    public static TlsSettings None { get; } = new(null, null, null, null);

    public bool HasCertificate => CertificatePath is not null;

    /// <summary>How a server with these settings talks, for its start-up log line.</summary>
    public string ServerSecurity => !HasCertificate ? "plain-text HTTP/2, loopback only" : PeerCaPath is null ? "TLS" : "mutual TLS";
}

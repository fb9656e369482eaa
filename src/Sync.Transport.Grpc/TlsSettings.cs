namespace Sync.Transport.Grpc;

/// <summary>
/// TLS files for one end. A server uses Certificate/Key and, with PeerCa, requires client certificates that CA
/// signed for client authentication (mTLS). A client verifies the server against PeerCa (or the system roots), or
/// against a pinned certificate (SHA-256 of its DER bytes), and presents Certificate/Key when given.
/// </summary>
public sealed record TlsSettings(string? CertificatePath, string? KeyPath, string? PeerCaPath, string? PinnedSha256)
{
    public static TlsSettings None { get; } = new(null, null, null, null);

    public bool HasCertificate => CertificatePath is not null;

    /// <summary>A server's settings from its command line: the allow-list is read (and checked) here.</summary>
    public static TlsSettings Server(
        string? certificatePath, string? keyPath, string? clientCaPath, bool allowAnonymous, IEnumerable<string>? allowedSubjects, string? allowedSubjectFile) =>
        new(certificatePath, keyPath, clientCaPath, null)
        {
            AllowAnonymous = allowAnonymous,
            AllowedSubjects = SubjectAllowList.From(allowedSubjects ?? [], allowedSubjectFile),
        };

    /// <summary>Server only: admit clients without a certificate on a non-loopback address (<c>--allow-anonymous</c>).</summary>
    public bool AllowAnonymous { get; init; }

    /// <summary>Server only: when not empty, only client certificates with one of these subjects may sync (<c>--allow-subject</c>).</summary>
    public SubjectAllowList AllowedSubjects { get; init; } = SubjectAllowList.Anyone;

    /// <summary>How a server with these settings talks, for its start-up log line.</summary>
    public string ServerSecurity => !HasCertificate ? "plain-text HTTP/2, loopback only, any client"
        : PeerCaPath is null ? "TLS, any client"
        : AllowedSubjects.IsEmpty ? "mutual TLS"
        : $"mutual TLS, {AllowedSubjects.Count} allowed subject(s)";
}

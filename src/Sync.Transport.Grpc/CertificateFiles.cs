using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sync.Core;

namespace Sync.Transport.Grpc;

/// <summary>Loads PEM certificates and checks a peer's certificate against a private CA or a pin.</summary>
internal static class CertificateFiles
{
    public static X509Certificate2 LoadWithKey(string certificatePath, string keyPath)
    {
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            // Exported and re-imported so SslStream can use the key on Linux (an ephemeral PEM key is not enough).
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw SyncException.Usage($"cannot load certificate '{certificatePath}' with key '{keyPath}': {e.Message}");
        }
    }

    public static X509Certificate2Collection LoadCa(string path)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw SyncException.Usage($"cannot load CA certificate '{path}': {e.Message}");
        }

        return collection.Count > 0 ? collection : throw SyncException.Usage($"'{path}' holds no certificate");
    }

    /// <summary>id-kp-serverAuth: the certificate may identify a TLS server.</summary>
    public static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1", "serverAuth");

    /// <summary>id-kp-clientAuth: the certificate may identify a TLS client.</summary>
    public static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2", "clientAuth");

    /// <summary>
    /// Why <paramref name="certificate"/> may not be used as <paramref name="usage"/> under <paramref name="roots"/>
    /// (and only those), or null when it may: it must chain to one of them, and it must itself name the usage in its
    /// extended key usage. A certificate without that extension would be "any purpose" to a chain check; a CA that
    /// issues certificates for other jobs (code signing, a web server) must not thereby issue sync peers.
    /// </summary>
    public static string? Problem(X509Certificate2 certificate, X509Certificate2Collection roots, X509Certificate2Collection? extra, Oid usage)
    {
        if (Usage(certificate, usage) != true)
        {
            return $"it lacks the {usage.FriendlyName} extended key usage ({usage.Value})";
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // an air gap has no CRL or OCSP to ask
        // Intermediates that restrict their extended key usage must allow this one too.
        chain.ChainPolicy.ApplicationPolicy.Add(usage);
        if (extra is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(extra);
        }

        if (chain.Build(certificate))
        {
            return null;
        }

        var statuses = chain.ChainStatus.Select(s => s.Status).Distinct().ToArray();
        return statuses.Contains(X509ChainStatusFlags.UntrustedRoot) || statuses.Contains(X509ChainStatusFlags.PartialChain)
            ? "it is not issued by the configured CA"
            : $"its chain does not verify ({string.Join(", ", statuses)})";
    }

    /// <summary>Whether the certificate's extended key usage names <paramref name="usage"/>; null when it has no such extension (any purpose).</summary>
    public static bool? Usage(X509Certificate2 certificate, Oid usage)
    {
        var extensions = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().ToList();
        return extensions.Count == 0 ? null : extensions.SelectMany(e => e.EnhancedKeyUsages.Cast<Oid>()).Any(o => o.Value == usage.Value);
    }

    /// <summary>How a peer's certificate is named in logs and errors: its subject, e.g. "CN=outside-1".</summary>
    public static string SubjectOf(X509Certificate certificate)
    {
        var name = certificate is X509Certificate2 full ? full.SubjectName : new X500DistinguishedName(certificate.Subject);
        return name.RawData.Length > 2 ? SubjectAllowList.Normalize(name) : "(no subject)";
    }

    public static string Sha256Hex(X509Certificate certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate.GetRawCertData()));

    public static string NormalizePin(string pin) => pin.Replace(":", string.Empty, StringComparison.Ordinal).Trim().ToLowerInvariant();

    /// <summary>
    /// The client's check of a server certificate: the pin if one is set (exactly that certificate, nothing else is
    /// asked of it), else the CA with the host name and the serverAuth usage, else the system's own check. A refusal
    /// throws with the reason, which becomes the one line the operator reads.
    /// </summary>
    public static bool CheckServer(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, TlsSettings tls, X509Certificate2Collection? roots)
    {
        if (certificate is null)
        {
            throw new AuthenticationException("the server presented no certificate");
        }

        if (tls.PinnedSha256 is { } pin)
        {
            return Sha256Hex(certificate) == NormalizePin(pin)
                ? true
                : throw new AuthenticationException($"the server's certificate ({SubjectOf(certificate)}, SHA-256 {Sha256Hex(certificate)}) is not the pinned one");
        }

        if (roots is null)
        {
            return errors == SslPolicyErrors.None;
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            throw new AuthenticationException($"the server's certificate ({SubjectOf(certificate)}) does not name the host dialled");
        }

        using var leaf = new X509Certificate2(certificate);
        var intermediates = chain is null ? null : new X509Certificate2Collection(chain.ChainElements.Select(e => e.Certificate).ToArray());
        return Problem(leaf, roots, intermediates, ServerAuth) is { } problem
            ? throw new AuthenticationException($"the server's certificate ({SubjectOf(certificate)}) is refused: {problem}")
            : true;
    }
}

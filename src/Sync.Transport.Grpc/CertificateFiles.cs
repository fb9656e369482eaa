using System.Net.Security;
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

    /// <summary>True when <paramref name="certificate"/> chains to one of <paramref name="roots"/> (and only those).</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection roots, X509Certificate2Collection? extra)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // an air gap has no CRL or OCSP to ask
        if (extra is not null)
        {
            chain.ChainPolicy.ExtraStore.AddRange(extra);
        }

        return chain.Build(certificate);
    }

    public static string Sha256Hex(X509Certificate certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate.GetRawCertData()));

    public static string NormalizePin(string pin) => pin.Replace(":", string.Empty, StringComparison.Ordinal).Trim().ToLowerInvariant();

    /// <summary>The client's check of a server certificate: the pin if one is set, else the CA with the host name.</summary>
    public static bool CheckServer(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, TlsSettings tls, X509Certificate2Collection? roots)
    {
        if (certificate is null)
        {
            return false;
        }

        if (tls.PinnedSha256 is { } pin)
        {
            return Sha256Hex(certificate) == NormalizePin(pin);
        }

        if (roots is null)
        {
            return errors == SslPolicyErrors.None;
        }

        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var leaf = new X509Certificate2(certificate);
        var intermediates = chain is null ? null : new X509Certificate2Collection(chain.ChainElements.Select(e => e.Certificate).ToArray());
        return ChainsTo(leaf, roots, intermediates);
    }
}

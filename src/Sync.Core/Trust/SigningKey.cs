using System.Security.Cryptography;

namespace Sync.Core.Trust;

/// <summary>
/// The outside's ECDSA P-256 key (in the .NET base library, unlike Ed25519). Private key: PKCS#8 PEM, mode 0600;
/// public key: SubjectPublicKeyInfo PEM in FILE.pub, mode 0644. Signatures are ECDSA over SHA-256, DER-encoded
/// (RFC 3279 Ecdsa-Sig-Value), so `openssl dgst -sha256 -verify FILE.pub -signature SIG DATA` checks them.
/// </summary>
public sealed class SigningKey : IDisposable
{
    private readonly ECDsa _key;

    private SigningKey(ECDsa key)
    {
        _key = key;
        KeyId = Trust.KeyId.Of(key.ExportSubjectPublicKeyInfo());
    }

    public byte[] KeyId { get; }

    /// <summary>
    /// Writes a new key pair: the private key to <paramref name="privatePath"/>, the public key to the same name plus
    /// ".pub". Refuses to replace either file unless <paramref name="overwrite"/>.
    /// </summary>
    public static void Generate(string privatePath, bool overwrite = false)
    {
        var publicPath = privatePath + ".pub";
        foreach (var path in new[] { privatePath, publicPath })
        {
            if (Directory.Exists(path) || (!overwrite && File.Exists(path)))
            {
                throw SyncException.Usage($"'{path}' already exists; refusing to overwrite a key (--force replaces it)");
            }
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        KeyFile.Write(privatePath, key.ExportPkcs8PrivateKeyPem(), KeyFile.PrivateMode, overwrite);
        KeyFile.Write(publicPath, key.ExportSubjectPublicKeyInfoPem(), KeyFile.PublicMode, overwrite);
    }

    public static SigningKey Load(string privatePath)
    {
        const string what = "signing key";
        var label = KeyFile.FirstLabel(privatePath, what);
        if (label is null || !KeyFile.IsPrivateLabel(label))
        {
            throw SyncException.Usage(label == "PUBLIC KEY"
                ? $"'{privatePath}' is a public key; --key takes the private key made by 'sync-outside keygen' (the .pub file goes to the inside)"
                : $"'{privatePath}' is not a PEM private key (PKCS#8 'PRIVATE KEY', as 'sync-outside keygen' writes)");
        }

        if (label == "ENCRYPTED PRIVATE KEY")
        {
            throw SyncException.Usage(
                $"'{privatePath}' is encrypted; the outside signs unattended, so give it an unencrypted copy (openssl pkcs8 -in ENCRYPTED -out KEY) kept at mode 0600");
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(KeyFile.ReadAll(privatePath, what));
            if (key.KeySize != 256)
            {
                throw new CryptographicException($"an ECDSA key of {key.KeySize} bits, not P-256");
            }

            _ = key.ExportParameters(includePrivateParameters: true);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw SyncException.Usage($"'{privatePath}' is not an ECDSA P-256 private key as 'sync-outside keygen' makes: {e.Message}");
        }

        return new SigningKey(key);
    }

    public SignedPayload Sign(byte[] payload) =>
        new(payload, KeyId, _key.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    public void Dispose() => _key.Dispose();
}

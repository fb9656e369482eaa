using System.Security.Cryptography;
using System.Text;

namespace Sync.Core.Trust;

/// <summary>
/// The outside's ECDSA P-256 key (in the .NET base library, unlike Ed25519). Private key: PKCS#8 PEM, mode 0600;
/// public key: SubjectPublicKeyInfo PEM in FILE.pub.
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

    public static void Generate(string privatePath)
    {
        var publicPath = privatePath + ".pub";
        foreach (var path in new[] { privatePath, publicPath })
        {
            if (File.Exists(path) || Directory.Exists(path))
            {
                throw SyncException.Usage($"'{path}' already exists; refusing to overwrite a key");
            }
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var privatePem = key.ExportPkcs8PrivateKeyPem();
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using (var stream = new FileStream(privatePath, options))
        {
            stream.Write(Encoding.ASCII.GetBytes(privatePem + "\n"));
            stream.Flush(flushToDisk: true);
        }

        File.WriteAllText(publicPath, key.ExportSubjectPublicKeyInfoPem() + "\n");
    }

    public static SigningKey Load(string privatePath)
    {
        string pem;
        try
        {
            pem = File.ReadAllText(privatePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw SyncException.Usage($"cannot read key '{privatePath}': {e.Message}");
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            if (key.KeySize != 256)
            {
                throw new CryptographicException("not a P-256 key");
            }

            _ = key.ExportParameters(includePrivateParameters: true);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw SyncException.Usage($"'{privatePath}' is not a private signing key made by 'sync-outside keygen': {e.Message}");
        }

        return new SigningKey(key);
    }

    public SignedPayload Sign(byte[] payload) =>
        new(payload, KeyId, _key.SignData(payload, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

    public void Dispose() => _key.Dispose();
}

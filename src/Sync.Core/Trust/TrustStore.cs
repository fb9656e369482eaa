using System.Security.Cryptography;

namespace Sync.Core.Trust;

/// <summary>The public keys the inside was given; only what one of them signed is ever applied.</summary>
public sealed class TrustStore : IDisposable
{
    private readonly Dictionary<string, ECDsa> _keys;

    private TrustStore(Dictionary<string, ECDsa> keys) => _keys = keys;

    public int Count => _keys.Count;

    public static TrustStore Load(IEnumerable<string> publicKeyPaths)
    {
        var keys = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
        foreach (var path in publicKeyPaths)
        {
            string pem;
            try
            {
                pem = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw SyncException.Usage($"cannot read trusted key '{path}': {e.Message}");
            }

            var key = ECDsa.Create();
            try
            {
                key.ImportFromPem(pem);
                if (key.KeySize != 256)
                {
                    throw new CryptographicException("not a P-256 key");
                }
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException)
            {
                key.Dispose();
                throw SyncException.Usage($"'{path}' is not a public key made by 'sync-outside keygen': {e.Message}");
            }

            keys[KeyId.ToHex(KeyId.Of(key.ExportSubjectPublicKeyInfo()))] = key;
        }

        if (keys.Count == 0)
        {
            throw SyncException.Usage("no trusted public key given (--trust FILE.pub)");
        }

        return new TrustStore(keys);
    }

    /// <summary>Returns the payload when a trusted key signed it; otherwise refuses, naming the key.</summary>
    public byte[] Verify(SignedPayload signed, string what)
    {
        var id = KeyId.ToHex(signed.KeyId);
        if (!_keys.TryGetValue(id, out var key))
        {
            throw SyncException.Refused($"{what} is signed by key {id}, which is not trusted here");
        }

        if (!key.VerifyData(signed.Payload, signed.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))
        {
            throw SyncException.Refused($"{what} has a bad signature for key {id}: it was altered or damaged");
        }

        return signed.Payload;
    }

    public void Dispose()
    {
        foreach (var key in _keys.Values)
        {
            key.Dispose();
        }
    }
}

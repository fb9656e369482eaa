using System.Security.Cryptography;

namespace Sync.Core.Trust;

/// <summary>
/// The public keys the inside was given, each under a name; only what one of them signed is ever applied. Several
/// keys at once let a rotation happen without a flag day: trust the current and the next key, switch the outside,
/// then drop the old one. Immutable once loaded.
/// </summary>
public sealed class TrustStore : IDisposable
{
    /// <summary>Signatures made before they were DER-encoded: r and s as two fixed 32-byte fields (IEEE P1363).</summary>
    private const int LegacySignatureBytes = 64;

    private readonly Dictionary<string, (TrustedKey Info, ECDsa Key)> _keys;

    private TrustStore(Dictionary<string, (TrustedKey, ECDsa)> keys) => _keys = keys;

    public int Count => _keys.Count;

    public IReadOnlyList<TrustedKey> Keys => _keys.Values.Select(k => k.Info).OrderBy(k => k.Name, StringComparer.Ordinal).ToList();

    /// <param name="specs">`--trust` values: FILE.pub, or NAME=FILE.pub.</param>
    public static TrustStore Load(IEnumerable<string> specs)
    {
        var keys = new Dictionary<string, (TrustedKey, ECDsa)>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var spec in specs)
            {
                var (name, path) = TrustSpec.Parse(spec);
                var key = LoadPublicKey(path);
                var id = KeyId.ToHex(KeyId.Of(key.ExportSubjectPublicKeyInfo()));
                if (keys.TryGetValue(id, out var same))
                {
                    key.Dispose();
                    throw SyncException.Usage($"--trust gives the same key twice: '{same.Item1.Name}' and '{name}' are both key {id}");
                }

                if (!names.Add(name))
                {
                    key.Dispose();
                    throw SyncException.Usage($"--trust names two keys '{name}'; name them apart with --trust NAME=FILE");
                }

                keys[id] = (new TrustedKey(name, id, path), key);
            }
        }
        catch
        {
            foreach (var (_, key) in keys.Values)
            {
                key.Dispose();
            }

            throw;
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
        if (!_keys.TryGetValue(id, out var trusted))
        {
            throw SyncException.Refused(
                RefusalKind.UntrustedKey,
                $"{what} is signed by key {id}, which is not trusted here (trusted: {string.Join(", ", Keys)})");
        }

        if (!Verifies(trusted.Key, signed))
        {
            throw SyncException.Refused(RefusalKind.BadSignature, $"{what} has a bad signature for key {trusted.Info}: it was altered or damaged");
        }

        return signed.Payload;
    }

    /// <summary>The trusted key with this id, or null; says nothing about any signature (call after <see cref="Verify"/>).</summary>
    public TrustedKey? Find(byte[] keyId) => _keys.TryGetValue(KeyId.ToHex(keyId), out var trusted) ? trusted.Info : null;

    public void Dispose()
    {
        foreach (var (_, key) in _keys.Values)
        {
            key.Dispose();
        }
    }

    /// <summary>DER (what the outside writes), or the fixed-field encoding of bundles and streams signed before it.</summary>
    private static bool Verifies(ECDsa key, SignedPayload signed) =>
        key.VerifyData(signed.Payload, signed.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence) ||
        (signed.Signature.Length == LegacySignatureBytes &&
         key.VerifyData(signed.Payload, signed.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));

    private static ECDsa LoadPublicKey(string path)
    {
        const string what = "trusted key";
        var label = KeyFile.FirstLabel(path, what);
        if (label is not null && KeyFile.IsPrivateLabel(label))
        {
            // Not one byte past the BEGIN line: the secret is neither parsed nor kept in this process.
            throw SyncException.Usage(
                $"'{path}' is a private key; --trust takes the public key (the .pub file beside it on the outside), and a private key copied to the inside should be replaced");
        }

        if (label != "PUBLIC KEY")
        {
            throw SyncException.Usage(label is null
                ? $"'{path}' is not a PEM public key (SubjectPublicKeyInfo 'PUBLIC KEY', as 'sync-outside keygen' writes to FILE.pub)"
                : $"'{path}' holds a PEM '{label}', not a public key ('PUBLIC KEY', as 'sync-outside keygen' writes to FILE.pub)");
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(KeyFile.ReadAll(path, what));
            if (key.KeySize != 256)
            {
                throw new CryptographicException($"an ECDSA key of {key.KeySize} bits, not P-256");
            }
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            key.Dispose();
            throw SyncException.Usage($"'{path}' is not an ECDSA P-256 public key as 'sync-outside keygen' makes: {e.Message}");
        }

        return key;
    }
}

using System.Security.Cryptography;

namespace Sync.Core.Trust;

public static class KeyId
{
    /// <summary>The first 8 bytes of the SHA-256 of the public key (SubjectPublicKeyInfo DER).</summary>
    public static byte[] Of(byte[] subjectPublicKeyInfo) => SHA256.HashData(subjectPublicKeyInfo)[..8];

    public static string ToHex(byte[] keyId) => Convert.ToHexStringLower(keyId);
}

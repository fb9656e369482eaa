using Google.Protobuf;
using Sync.Core;
using Sync.Core.Hashing;

namespace Sync.Protocol.Internal;

/// <summary>
/// Digests on the wire: 32 bytes, or no bytes at all for <see cref="Digest.Empty"/> (an absent base, a
/// directory's digest). Any other length is refused.
/// </summary>
internal static class WireDigest
{
    public static ByteString ToByteString(Digest digest) =>
        digest.IsEmpty ? ByteString.Empty : UnsafeByteOperations.UnsafeWrap(digest.ToArray());

    /// <summary>Reads an empty-or-32-byte digest; <paramref name="what"/> names it in the refusal.</summary>
    public static Digest Read(ReadOnlySpan<byte> bytes, string what)
    {
        if (bytes.Length == 0)
        {
            return Digest.Empty;
        }

        if (bytes.Length != Digest.Size)
        {
            throw SyncException.Refused($"{what} is {bytes.Length} bytes, not {Digest.Size}");
        }

        return Digest.FromBytes(bytes);
    }

    /// <summary>False unless the bytes are empty (giving <see cref="Digest.Empty"/>) or 32 bytes long.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out Digest digest)
    {
        switch (bytes.Length)
        {
            case 0:
                digest = Digest.Empty;
                return true;
            case Digest.Size:
                digest = Digest.FromBytes(bytes);
                return true;
            default:
                digest = default;
                return false;
        }
    }

    /// <summary>Reads a digest that must be present (32 bytes).</summary>
    public static Digest ReadRequired(ReadOnlySpan<byte> bytes, string what)
    {
        if (bytes.Length != Digest.Size)
        {
            throw SyncException.Refused($"{what} is {bytes.Length} bytes, not {Digest.Size}");
        }

        return Digest.FromBytes(bytes);
    }
}

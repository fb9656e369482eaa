using System.Security.Cryptography;
using Sync.Core.Hashing;

namespace Sync.Core.Manifests;

/// <summary>
/// A received manifest's bytes on their way to a file, whether they arrive in slices or are rebuilt from a patch:
/// nothing past the signed size is written, and the digest is computed as they pass, so the manifest (93 MB on a
/// 1,000,000-entry mirror) is never held whole in memory. Until <see cref="Finish"/> has compared it with the signed
/// digest, what was written is untrusted bytes.
/// </summary>
public sealed class IncomingManifest(Stream destination, long signedSize, Digest signedDigest, string what) : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public long SignedSize { get; } = signedSize;

    public long Written { get; private set; }

    public long Remaining => SignedSize - Written;

    /// <summary>Writes the next bytes; refuses any that would go past the signed size.</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > Remaining)
        {
            throw SyncException.Refused(RefusalKind.Damaged, $"{what}: manifest longer than its signed size of {SignedSize} bytes");
        }

        destination.Write(bytes);
        _hash.AppendData(bytes);
        Written += bytes.Length;
    }

    /// <summary>Refuses a manifest that stops short of its signed size or does not match its signed digest.</summary>
    /// <param name="cut">Says how the short manifest ended ("manifest truncated", "manifest patch ends").</param>
    public void Finish(string cut = "manifest truncated")
    {
        if (Written != SignedSize)
        {
            throw SyncException.Refused(RefusalKind.Damaged, $"{what}: {cut} at {Written} of {SignedSize} bytes");
        }

        destination.Flush();
        Span<byte> digest = stackalloc byte[Digest.Size];
        _hash.GetHashAndReset(digest);
        if (Digest.FromBytes(digest) != signedDigest)
        {
            throw SyncException.Refused(RefusalKind.Damaged, $"{what}: manifest does not match its signed digest (altered or damaged)");
        }
    }

    public void Dispose() => _hash.Dispose();
}

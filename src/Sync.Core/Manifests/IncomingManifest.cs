using System.Security.Cryptography;
using Sync.Core.Hashing;

namespace Sync.Core.Manifests;

/// <summary>
/// A received manifest's bytes on their way to a file, whether they arrive in slices or are rebuilt from a patch:
/// nothing past the signed size is written, and the digest is computed as they pass, so the manifest (93 MB on a
/// 1,000,000-entry mirror) is never held whole in memory. Until <see cref="Finish"/> has compared it with the signed
/// digest, what was written is untrusted bytes.
/// </summary>
public sealed class IncomingManifest : IDisposable
{
    private readonly Stream _destination;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly Digest _signedDigest;
    private readonly string _what;

    public IncomingManifest(Stream destination, long signedSize, Digest signedDigest, string what)
    {
        _destination = destination;
        SignedSize = signedSize;
        _signedDigest = signedDigest;
        _what = what;
    }

    public long SignedSize { get; }

    public long Written { get; private set; }

    public long Remaining => SignedSize - Written;

    /// <summary>Writes the next bytes; refuses any that would go past the signed size.</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > Remaining)
        {
            throw SyncException.Refused(RefusalKind.Damaged, $"{_what}: manifest longer than its signed size of {SignedSize} bytes");
        }

        _destination.Write(bytes);
        _hash.AppendData(bytes);
        Written += bytes.Length;
    }

    /// <summary>Refuses a manifest that stops short of its signed size or does not match its signed digest.</summary>
    /// <param name="cut">Says how the short manifest ended ("manifest truncated", "manifest patch ends").</param>
    public void Finish(string cut = "manifest truncated")
    {
        if (Written != SignedSize)
        {
            throw SyncException.Refused(RefusalKind.Damaged, $"{_what}: {cut} at {Written} of {SignedSize} bytes");
        }

        _destination.Flush();
        Span<byte> digest = stackalloc byte[Digest.Size];
        _hash.GetHashAndReset(digest);
        if (Digest.FromBytes(digest) != _signedDigest)
        {
            throw SyncException.Refused(RefusalKind.Damaged, $"{_what}: manifest does not match its signed digest (altered or damaged)");
        }
    }

    public void Dispose() => _hash.Dispose();
}

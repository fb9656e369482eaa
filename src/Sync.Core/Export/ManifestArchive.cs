using Sync.Core.Hashing;
using Sync.Core.Storage;

namespace Sync.Core.Export;

/// <summary>
/// The manifests the outside keeps in its state directory (manifests/): those of recent generations it exported
/// (gNNNNNNNN.manifest, the bases of later deltas) and those it sent to an answering inside but never saw confirmed
/// (sent-DIGEST.manifest, a push cut after the inside published). Only the latest <see cref="Kept"/> of each are kept.
/// </summary>
internal sealed class ManifestArchive(string stateDirectory)
{
    public const int Kept = 8;

    public string Directory { get; } = Path.Combine(stateDirectory, "manifests");

    public string PathOf(long generation) => Path.Combine(Directory, $"g{generation:D8}.manifest");

    public void Write(long generation, byte[] manifestBytes) => AtomicFile.WriteAllBytes(PathOf(generation), manifestBytes);

    /// <summary>Keeps a sent manifest by its digest, and forgets all but the newest few of them.</summary>
    public void WriteSent(string digestHex, byte[] manifestBytes)
    {
        AtomicFile.WriteAllBytes(SentPathOf(digestHex), manifestBytes);
        foreach (var old in Sent().OrderByDescending(f => f.LastWriteTimeUtc).Skip(Kept))
        {
            old.Delete();
        }
    }

    /// <summary>Forgets the manifests of generations that are <see cref="Kept"/> or more below <paramref name="generation"/>.</summary>
    public void PruneBelow(long generation)
    {
        foreach (var old in System.IO.Directory.EnumerateFiles(Directory, "g*.manifest"))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(old)[1..], out var g) && g <= generation - Kept)
            {
                File.Delete(old);
            }
        }
    }

    /// <summary>The bytes of a generation's manifest when they are there and match the digest, else null.</summary>
    public byte[]? ReadVerified(long generation, string manifestDigestHex) => ReadIfMatches(PathOf(generation), manifestDigestHex);

    /// <summary>A manifest found by generation and digest among the exported and the sent ones; null when unknown.</summary>
    public byte[]? Find(long generation, string manifestDigestHex) =>
        ReadIfMatches(PathOf(generation), manifestDigestHex) ?? ReadIfMatches(SentPathOf(manifestDigestHex), manifestDigestHex);

    /// <summary>Bytes of the sent manifests kept.</summary>
    public long SentBytes() => Sent().Sum(f => f.Length);

    private IEnumerable<FileInfo> Sent() => new DirectoryInfo(Directory).EnumerateFiles("sent-*.manifest");

    private string SentPathOf(string digestHex) => Path.Combine(Directory, $"sent-{digestHex}.manifest");

    private static byte[]? ReadIfMatches(string path, string manifestDigestHex)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var bytes = File.ReadAllBytes(path);
        return Digest.Compute(bytes).ToHex() == manifestDigestHex ? bytes : null;
    }
}

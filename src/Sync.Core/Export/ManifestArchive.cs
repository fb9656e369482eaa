using System.Security.Cryptography;
using Sync.Core.Hashing;
using Sync.Core.Storage;

namespace Sync.Core.Export;

/// <summary>
/// The manifests the outside keeps in its state directory (manifests/): those of recent generations it exported
/// (gNNNNNNNN.manifest, the bases of later deltas) and those it sent to an answering inside but never saw confirmed
/// (sent-DIGEST.manifest, a push cut after the inside published). Only the latest <see cref="Kept"/> of each are kept.
/// A prepared generation's manifest is staged here first (staged-gNNNNNNNN.manifest) and linked under its kept name
/// when its emission is recorded, so a mirror's manifest is written once and never copied in memory.
/// </summary>
internal sealed class ManifestArchive(string stateDirectory)
{
    public const int Kept = 8;

    public string Directory { get; } = Path.Combine(stateDirectory, "manifests");

    public string PathOf(long generation) => Path.Combine(Directory, $"g{generation:D8}.manifest");

    /// <summary>Writes a prepared generation's manifest durably under a name no reader looks for yet.</summary>
    public StagedManifest Stage(long generation, Action<Stream> write)
    {
        var path = Path.Combine(Directory, $"staged-g{generation:D8}.manifest");
        using var sha = SHA256.Create();
        AtomicFile.Write(path, file =>
        {
            using var hashing = new CryptoStream(file, sha, CryptoStreamMode.Write, leaveOpen: true);
            write(hashing);
            hashing.FlushFinalBlock();
        });
        return new StagedManifest(path, new FileInfo(path).Length, Digest.FromBytes(sha.Hash));
    }

    /// <summary>Keeps a staged manifest as the one of its generation.</summary>
    public void Write(long generation, StagedManifest staged) => LinkDurably(staged.Path, PathOf(generation));

    /// <summary>Keeps a sent manifest by its digest, and forgets all but the newest few of them.</summary>
    public void WriteSent(string digestHex, StagedManifest staged)
    {
        LinkDurably(staged.Path, SentPathOf(digestHex));
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

    /// <summary>
    /// Reads a generation's manifest as a stream, hashed as it goes, so it is never whole in memory: the reader's
    /// result (given the stream and the file's length) when the file is there and every byte matches the digest, else
    /// null. A reader that refuses the bytes (<see cref="SyncErrorKind.Refused"/>) also gets null: they are damaged.
    /// </summary>
    public T? ReadVerified<T>(long generation, string manifestDigestHex, Func<Stream, long, T> read)
        where T : class
    {
        var path = PathOf(generation);
        T? result = null;
        using var sha = SHA256.Create();
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            using var hashing = new CryptoStream(new BufferedStream(file, 1 << 16), sha, CryptoStreamMode.Read);
            try
            {
                result = read(hashing, file.Length);
            }
            catch (SyncException e) when (e.Kind == SyncErrorKind.Refused)
            {
                // Damaged, as the digest below will say.
            }

            hashing.CopyTo(Stream.Null); // the digest covers every byte, read or not
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        return Digest.FromBytes(sha.Hash!).ToHex() == manifestDigestHex ? result : null;
    }

    /// <summary>Whether a generation's manifest is there and matches its digest, read in slices.</summary>
    public bool IsIntact(long generation, string manifestDigestHex) => ReadVerified(generation, manifestDigestHex, (_, _) => string.Empty) is not null;

    /// <summary>A manifest found by generation and digest among the exported and the sent ones; null when unknown.</summary>
    public byte[]? Find(long generation, string manifestDigestHex) =>
        ReadIfMatches(PathOf(generation), manifestDigestHex) ?? ReadIfMatches(SentPathOf(manifestDigestHex), manifestDigestHex);

    /// <summary>Forgets what an export staged and never finished (call with the state's lock held).</summary>
    public void ForgetStaged()
    {
        foreach (var staged in System.IO.Directory.EnumerateFiles(Directory, "staged-*.manifest"))
        {
            File.Delete(staged);
        }
    }

    /// <summary>Bytes of the sent manifests kept.</summary>
    public long SentBytes() => Sent().Sum(f => f.Length);

    private IEnumerable<FileInfo> Sent() => new DirectoryInfo(Directory).EnumerateFiles("sent-*.manifest");

    private string SentPathOf(string digestHex) => Path.Combine(Directory, $"sent-{digestHex}.manifest");

    /// <summary>
    /// A second name for the staged file, atomically (linked under a temporary name, renamed over any older one) and
    /// durably; copied where the file system has no hard links.
    /// </summary>
    private static void LinkDurably(string staged, string path)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.link");
        File.Delete(temp);
        try
        {
            Posix.Posix.HardLink(staged, temp);
        }
        catch (IOException)
        {
            File.Copy(staged, temp);
            using var copy = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite);
            copy.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
        Posix.Posix.FsyncDirectory(directory);
    }

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

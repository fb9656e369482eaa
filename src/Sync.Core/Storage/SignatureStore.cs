using Sync.Core.Delta;
using Sync.Core.Hashing;

namespace Sync.Core.Storage;

/// <summary>
/// The outside's block signatures of file contents it exported, by content digest. They let the next export
/// send a byte delta for a file changed in place although the old bytes are gone from the source tree.
/// </summary>
public sealed class SignatureStore
{
    private readonly string _directory;

    public SignatureStore(string directory)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
    }

    public bool Contains(Digest digest) => File.Exists(PathOf(digest));

    public BlockSignature? TryLoad(Digest digest, long baseLength)
    {
        var path = PathOf(digest);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var stream = new BufferedStream(File.OpenRead(path), 1 << 16);
            var signature = BlockSignature.ReadFrom(stream, baseLength);
            return signature.BaseLength == baseLength ? signature : null;
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    /// <summary>
    /// Stores a signature. No fsync: signatures are a cache that only makes deltas smaller; a lost or torn
    /// one is detected on load and the content then travels as chunks. Syncing each of 100k small files
    /// would cost more than the whole scan.
    /// </summary>
    public void Save(Digest digest, BlockSignature signature)
    {
        var path = PathOf(digest);
        if (File.Exists(path))
        {
            return;
        }

        var temp = path + "." + Environment.CurrentManagedThreadId + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 14))
        {
            signature.WriteTo(stream);
        }

        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Drops signatures of contents no longer in the newest exported generation.</summary>
    public int Prune(IReadOnlySet<Digest> keep)
    {
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(_directory, "*.sig"))
        {
            var name = Path.GetFileNameWithoutExtension(file);
            if (name.Length != 64 || !keep.Contains(Digest.Parse(name)))
            {
                File.Delete(file);
                removed++;
            }
        }

        return removed;
    }

    private string PathOf(Digest digest) => Path.Combine(_directory, digest.ToHex() + ".sig");
}

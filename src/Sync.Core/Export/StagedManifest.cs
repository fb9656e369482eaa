using Sync.Core.Hashing;

namespace Sync.Core.Export;

/// <summary>
/// A prepared generation's manifest, written to the state directory as soon as it is serialized and read back only
/// where it is needed (sent whole, or kept as the next base), so its bytes (56 MB on a 600,000-entry mirror) are not
/// held in memory through planning and emission. <see cref="OutsideState"/> links it into its archive when the
/// emission is recorded; the file itself goes when the export is done with it, or on the state's next open.
/// </summary>
public sealed class StagedManifest : IDisposable
{
    internal StagedManifest(string path, long length, Digest digest)
    {
        Path = path;
        Length = length;
        Digest = digest;
    }

    /// <summary>Nothing staged: a generation that was not exported.</summary>
    internal static StagedManifest None { get; } = new(string.Empty, 0, Digest.Empty);

    public string Path { get; }

    public long Length { get; }

    public Digest Digest { get; }

    /// <summary>The bytes, for an occasional reader (tests, a small tree); the emission reads them in slices.</summary>
    public byte[] ReadAllBytes() => File.ReadAllBytes(Path);

    /// <summary>Reads sequentially from the start, for sending it whole.</summary>
    public FileStream OpenRead() => Storage.SequentialFile.OpenRead(Path);

    /// <summary>Forgets the staged file (the archive keeps its own link once recorded).</summary>
    public void Dispose()
    {
        if (Path.Length > 0)
        {
            File.Delete(Path);
        }
    }
}

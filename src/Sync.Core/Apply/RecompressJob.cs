using Sync.Core.FileSystem;
using Sync.Core.Hashing;
using Sync.Core.Manifests;
using Sync.Core.Streams;

namespace Sync.Core.Apply;

/// <summary>
/// One rebuild in flight: the handles <see cref="RecompressStager.Prepare"/> opened and what
/// <see cref="RecompressStager.RunAsync"/> found. Written by the one task that runs it, read after that task ended.
/// </summary>
internal sealed class RecompressJob(ManifestEntry entry, RecompressFrame frame, ContentLocation source, string temp) : IDisposable
{
    public ManifestEntry Entry { get; } = entry;

    public RecompressFrame Frame { get; } = frame;

    public ContentLocation Source { get; } = source;

    /// <summary>The temporary object's name in the objects tree.</summary>
    public string Temp { get; } = temp;

    /// <summary>The temporary plain text this job compresses (an index shipped only compressed), or null.</summary>
    public string? PlainTemp { get; init; }

    public IFileHandle? Input { get; set; }

    public IFileHandle? Output { get; set; }

    /// <summary>A second handle on the temporary object, to hash what was written.</summary>
    public IFileHandle? Result { get; set; }

    /// <summary>The compressor wrote the whole stream within the signed size.</summary>
    public bool Complete { get; set; }

    /// <summary>Why the system compressor could not run, or null.</summary>
    public string? Unavailable { get; set; }

    public Digest Digest { get; set; } = Digest.Empty;

    public long Length { get; set; } = -1;

    public void Dispose()
    {
        Input?.Dispose();
        Output?.Dispose();
        Result?.Dispose();
        Input = Output = Result = null;
    }
}

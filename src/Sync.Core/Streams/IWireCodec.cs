using Sync.Core.Manifests;

namespace Sync.Core.Streams;

/// <summary>
/// The canonical bytes of what gets signed (manifests and headers). The domain needs them to compute and check
/// digests; the protocol layer owns the format.
/// </summary>
public interface IWireCodec
{
    byte[] SerializeManifest(Manifest manifest);

    /// <summary>Writes the bytes <see cref="SerializeManifest"/> returns into a stream, never all in memory.</summary>
    void WriteManifest(Manifest manifest, Stream destination);

    /// <summary>
    /// Parses and validates; refuses anything malformed or outside the limits. With <paramref name="shareWith"/>
    /// (entries in path order held anyway), an unchanged entry is its held object and a changed one reuses its path
    /// string, rather than holding a second copy (<see cref="Manifests.EntrySharer"/>).
    /// </summary>
    Manifest ParseManifest(ReadOnlyMemory<byte> bytes, ManifestLimits limits, IReadOnlyList<ManifestEntry>? shareWith = null);

    /// <summary>As the other overload, read from a stream (a file) rather than from bytes held in memory.</summary>
    Manifest ParseManifest(Stream source, ManifestLimits limits, IReadOnlyList<ManifestEntry>? shareWith = null);

    byte[] SerializeHeader(DeltaHeader header);

    DeltaHeader ParseHeader(ReadOnlySpan<byte> bytes);
}

namespace Sync.Core.Export;

public sealed record ExportSummary(
    long Generation,
    long BaseGeneration,
    int FilesNew,
    int FilesChanged,
    int FilesRemoved,
    int ContentsSent,
    int ContentsPatched,
    long PayloadBytes,
    int FilesHashed,
    long BytesHashed)
{
    public bool NothingChanged { get; init; }

    /// <summary>Contents sent as an instruction to rebuild them by compressing their plain text (part of <see cref="ContentsSent"/>).</summary>
    public int ContentsRecompressed { get; init; }

    /// <summary>The size of the generation's manifest.</summary>
    public long ManifestBytes { get; init; }

    /// <summary>What the manifest adds to the stream: all of it for a full generation, its patch against the base's for a delta.</summary>
    public long ManifestWireBytes { get; init; }
}

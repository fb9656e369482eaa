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
}

namespace Sync.Transport.FileDrop;

/// <summary>What <see cref="BundleWriter.CompleteAsync"/> wrote: file names are relative to the drop folder.</summary>
public sealed record BundleInfo(string Name, string IndexName, IReadOnlyList<string> PartNames, long TotalBytes)
{
    public int PartCount => PartNames.Count;
}

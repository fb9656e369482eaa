namespace Sync.Transport.FileDrop;

/// <summary>One part as the bundle index lists it: file name in the drop folder, size, XXH3-128 checksum of its bytes.</summary>
public sealed record BundlePartInfo(string Name, long Size, byte[] Checksum)
{
    /// <summary>How the part is called in messages: p0001, p0002, ...</summary>
    public string Label => Name[(Name.LastIndexOf('.') + 1)..];
}

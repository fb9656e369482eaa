namespace Sync.Transport.FileDrop;

/// <summary>One part as the bundle index lists it: file name in the drop folder, size, SHA-256 of its bytes.</summary>
public sealed record BundlePartInfo(string Name, long Size, byte[] Sha256)
{
    /// <summary>How the part is called in messages: p0001, p0002, ...</summary>
    public string Label => Name[(Name.LastIndexOf('.') + 1)..];
}

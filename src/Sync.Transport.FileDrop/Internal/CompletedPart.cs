namespace Sync.Transport.FileDrop.Internal;

/// <summary>A part that is whole on disk under its final name, with the XXH3-128 checksum of its bytes.</summary>
internal sealed record CompletedPart(string Name, long Size, byte[] Checksum);

namespace Sync.Transport.FileDrop.Internal;

/// <summary>A part that is whole on disk under its final name, with the SHA-256 of its bytes.</summary>
internal sealed record CompletedPart(string Name, long Size, byte[] Sha256);

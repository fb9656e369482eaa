namespace Sync.Transport.Udp;

/// <summary>A complete object whose SHA-256 matched its announce. <see cref="Path"/> is deleted once the handler returns.</summary>
public sealed record ReceivedObject(ulong SessionId, string Path, ReadOnlyMemory<byte> Descriptor, long Length);

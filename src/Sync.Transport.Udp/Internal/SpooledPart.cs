namespace Sync.Transport.Udp.Internal;

/// <summary>One part of a stream being spooled: its place in the stream, its length and its SHA-256 (what its session's ticket announces).</summary>
internal readonly record struct SpooledPart(StreamPart Place, long Length, byte[] Sha256);

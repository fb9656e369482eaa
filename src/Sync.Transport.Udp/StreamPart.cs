namespace Sync.Transport.Udp;

/// <summary>
/// Where the bytes one UDP session carries sit in a generation's stream: part <paramref name="Index"/> (from 0) starts
/// at <paramref name="Offset"/>; <paramref name="Last"/> marks the part that ends the stream. The parts of a stream
/// follow each other with no gap, so the inside can apply part 0 onwards while the later ones arrive.
/// </summary>
public readonly record struct StreamPart(int Index, long Offset, bool Last);

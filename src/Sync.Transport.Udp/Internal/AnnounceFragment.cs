namespace Sync.Transport.Udp.Internal;

/// <summary>One parsed announce: the object it describes and one piece of the descriptor.</summary>
internal sealed record AnnounceFragment(AnnounceInfo Info, int DescriptorLength, int Index, int Count, byte[] Bytes);

namespace Sync.Transport.Udp;

/// <summary>Reported about ten times a second from the send thread.</summary>
/// <param name="Pass">The pass being sent (1-based).</param>
/// <param name="Passes">Passes planned.</param>
/// <param name="Packets">Datagrams sent so far, announces included.</param>
/// <param name="WireBytes">Bytes on the wire so far (datagrams + IPv4/UDP headers).</param>
/// <param name="PlannedPackets">Symbol datagrams the whole send will take (announces not counted).</param>
/// <param name="AchievedBitsPerSecond">Average wire rate since the first packet.</param>
public sealed record UdpSendProgress(int Pass, int Passes, long Packets, long WireBytes, long PlannedPackets, double AchievedBitsPerSecond);

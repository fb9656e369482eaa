namespace Sync.Transport.Udp;

/// <summary>What a send did. Rates count bytes on the wire (datagram + 28 bytes of IPv4/UDP headers).</summary>
public sealed record UdpSendReport(long Packets, long WireBytes, TimeSpan Elapsed, double AchievedBitsPerSecond, int Passes, long Blocks)
{
    /// <summary>Datagrams the kernel refused to send (ENOBUFS and the like): lost like any other, covered by FEC and later passes.</summary>
    public long SendErrors { get; init; }
}

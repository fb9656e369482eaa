using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp.Tests;

public sealed class KernelUdpCountersUnitTests
{
    [Fact]
    public void Finds_the_drops_of_our_socket_by_inode()
    {
        const string table =
            "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n" +
            "  123: 0100007F:2328 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 4242 2 0000000000000000 0\n" +
            "  456: 00000000:2329 00000000:0000 07 00000000:00001200 00:00000000 00000000     0        0 777 2 0000000000000000 31\n";
        Assert.Equal(31, KernelUdpCounters.ParseSocketDrops(table, 777));
        Assert.Equal(0, KernelUdpCounters.ParseSocketDrops(table, 4242));
        Assert.Equal(-1, KernelUdpCounters.ParseSocketDrops(table, 1));
    }

    [Fact]
    public void Reads_rcvbuf_errors_from_snmp()
    {
        const string snmp =
            "Ip: Forwarding DefaultTTL\nIp: 1 64\n" +
            "Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors InCsumErrors IgnoredMulti MemErrors\n" +
            "Udp: 100 2 3 4 57 0 0 0 0\n";
        Assert.Equal(57, KernelUdpCounters.ParseRcvbufErrors(snmp));
    }

    [Fact]
    public void Reads_this_machines_counters_without_failing()
    {
        Assert.True(KernelUdpCounters.RcvbufErrors() >= -1);
    }
}

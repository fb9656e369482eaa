using System.Diagnostics.Metrics;

namespace Sync.Transport.Udp;

/// <summary>
/// The diode carrier's measurements through <see cref="System.Diagnostics.Metrics"/> (BCL only; the agents export
/// them). The receiver's are read at collection time from the <see cref="UdpReceiverStats"/> of the receiver that runs
/// (one per process), so nothing is added to the per-datagram path; burst lengths are recorded as they are seen (once
/// per gap, not per packet). Kernel drop counters are as fresh as the receiver's last report interval.
/// </summary>
public static class UdpMetrics
{
    public const string MeterName = "Sync.Transport.Udp";

    private static readonly Meter s_meter = new(MeterName);

    /// <summary>Upper bounds 2^(i+1)-1: the same buckets as <see cref="UdpReceiverStats.BurstHistogram"/>.</summary>
    private static readonly Histogram<long> s_bursts = s_meter.CreateHistogram<long>(
        "sync_udp_burst_length", "{packet}", "Lengths of runs of consecutive datagrams lost before this receiver (sequence gaps).",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [.. Enumerable.Range(0, UdpReceiverStats.BurstBuckets - 1).Select(i => (2L << i) - 1)] });

    private static readonly Counter<long> s_sentDatagrams = s_meter.CreateCounter<long>(
        "sync_udp_sent_datagrams_total", null, "Datagrams sent (every pass, carousel rounds included).");

    private static readonly Counter<long> s_sentBytes = s_meter.CreateCounter<long>(
        "sync_udp_sent_bytes_total", "By", "Bytes sent on the wire (datagrams plus 28 bytes of IPv4/UDP headers each).");

    private static readonly Counter<long> s_sendErrors = s_meter.CreateCounter<long>(
        "sync_udp_send_errors_total", null, "Datagrams the kernel refused to send (ENOBUFS and the like); FEC and later passes cover them.");

    private static UdpReceiverStats? s_receiver;

    static UdpMetrics()
    {
        Counter("sync_udp_datagrams_received_total", "Datagrams read from the socket, valid or not.", s => s.PacketsReceived);
        Counter("sync_udp_received_bytes_total", "UDP payload bytes read from the socket.", s => s.BytesReceived);
        Counter("sync_udp_datagrams_lost_total", "Datagrams the senders numbered that never arrived (sequence gaps, less late arrivals).", s => s.LostPackets);
        Counter("sync_udp_socket_drops_total", "Datagrams the kernel dropped for this socket (its receive buffer was full; /proc/net/udp).", s => s.KernelDrops);
        Counter("sync_udp_rcvbuf_errors_total", "UDP receive-buffer errors of the whole network namespace since the receiver started (/proc/net/snmp).", s => s.RcvbufErrors);
        Counter("sync_udp_blocks_decoded_total", "FEC blocks that needed repair symbols (some data symbol lost and rebuilt).", s => s.BlocksDecoded);
        Counter("sync_udp_decode_failures_total", "FEC blocks that could not be decoded from what arrived (collected again from later passes).", s => s.DecodeFailures);
        Counter("sync_udp_announces_rejected_total", "Session announces refused: not signed by a trusted key, malformed, or too many.", s => s.AnnouncesRejected);
        Counter("sync_udp_sessions_completed_total", "Sessions collected whole, checksummed and handed to the inside.", s => s.SessionsCompleted);
        Counter("sync_udp_hash_mismatches_total", "Collected sessions whose SHA-256 did not match their announce (collected again).", s => s.HashMismatches);
        s_meter.CreateObservableCounter("sync_udp_dropped_total", Dropped, null, "Datagrams dropped by this receiver before decoding, by reason.");
        Gauge("sync_udp_fec_margin_min", "Fewest repair symbols left unused by a block this run completed (-1: none completed yet); near 0 means the overhead barely sufficed.", s => s.MinFecMargin, allowNegative: true);
        Gauge("sync_udp_receive_buffer_bytes", "Socket receive buffer the kernel granted.", s => s.GrantedReceiveBufferBytes);
        Gauge("sync_udp_sessions_open", "Sessions being collected now.", s => s.SessionsActive);
    }

    /// <summary>The receiver whose counters are exported; the last one started wins.</summary>
    internal static void Observe(UdpReceiverStats stats) => Volatile.Write(ref s_receiver, stats);

    internal static void RecordBurst(long length) => s_bursts.Record(length);

    internal static void RecordSent(UdpSendReport report)
    {
        s_sentDatagrams.Add(report.Packets);
        s_sentBytes.Add(report.WireBytes);
        if (report.SendErrors > 0)
        {
            s_sendErrors.Add(report.SendErrors);
        }
    }

    private static void Counter(string name, string description, Func<UdpReceiverStats, long> read) =>
        s_meter.CreateObservableCounter(name, () => Read(read, allowNegative: false), null, description);

    private static void Gauge(string name, string description, Func<UdpReceiverStats, long> read, bool allowNegative = false) =>
        s_meter.CreateObservableGauge(name, () => Read(read, allowNegative), null, description);

    /// <summary>Nothing before a receiver runs, nor for a counter it does not know (-1), so no series lies.</summary>
    private static IEnumerable<Measurement<long>> Read(Func<UdpReceiverStats, long> read, bool allowNegative)
    {
        if (Volatile.Read(ref s_receiver) is not { } stats)
        {
            return [];
        }

        var value = read(stats);
        return value >= 0 || allowNegative ? [new Measurement<long>(value)] : [];
    }

    private static IEnumerable<Measurement<long>> Dropped()
    {
        if (Volatile.Read(ref s_receiver) is not { } s)
        {
            return [];
        }

        return
        [
            Drop("garbage", s.DroppedGarbage),
            Drop("truncated", s.DroppedTruncated),
            Drop("foreign-version", s.DroppedForeign),
            Drop("bad-mac", s.DroppedBadMac),
            Drop("unannounced", s.DroppedUnannounced),
        ];
    }

    private static Measurement<long> Drop(string reason, long value) => new(value, new KeyValuePair<string, object?>("reason", reason));
}

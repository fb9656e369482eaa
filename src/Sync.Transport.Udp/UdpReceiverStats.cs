using System.Globalization;
using System.Text;

namespace Sync.Transport.Udp;

/// <summary>
/// Live counters of a <see cref="UdpReceiver"/>, safe to read from any thread while it runs. Loss and bursts come
/// from gaps in the senders' sequence numbers (what the network lost before our socket); drops the receiver made
/// itself (queue full, kernel buffer) are counted apart, so an operator can tell the link from the host.
/// </summary>
public sealed class UdpReceiverStats
{
    /// <summary>Burst histogram buckets: bucket i counts bursts of 2^i .. 2^(i+1)-1 lost packets; the last is open-ended.</summary>
    public const int BurstBuckets = 16;

    internal long _datagrams;
    internal long _bytes;
    internal long _garbage;
    internal long _truncated;
    internal long _foreign;
    internal long _badMac;
    internal long _queueFull;
    internal long _unannounced;
    internal long _ignored;
    internal long _earlyStored;
    internal long _symbolPackets;
    internal long _duplicates;
    internal long _symbolsStored;
    internal long _lost;
    internal long _late;
    internal long _bursts;
    internal long _maxBurst;
    internal long _blocksComplete;
    internal long _blocksPending;
    internal long _blocksDecoded;
    internal long _decodeFailures;
    internal long _blocksResumed;
    internal long _symbolsResumed;
    internal long _marginMin = -1;
    internal long _marginSumMilli;
    internal long _sessionsActive;
    internal long _sessionsCompleted;
    internal long _hashMismatches;
    internal long _kernelDrops = -1;
    internal long _rcvbufErrors = -1;
    internal long _grantedBuffer;
    internal long _receiveRateBits;
    internal long _rejected;
    internal long _faults;
    internal long _notAdmitted;
    internal long _evicted;
    internal long _lastForeignVersion;
    private readonly long[] _burstHistogram = new long[BurstBuckets];

    /// <summary>Datagrams read from the socket, valid or not.</summary>
    public long PacketsReceived => Volatile.Read(ref _datagrams);

    /// <summary>Bytes of those datagrams (UDP payload).</summary>
    public long BytesReceived => Volatile.Read(ref _bytes);

    /// <summary>Not ours or damaged: bad magic, bad checksum, impossible fields.</summary>
    public long DroppedGarbage => Volatile.Read(ref _garbage);

    public long DroppedTruncated => Volatile.Read(ref _truncated);

    /// <summary>Another wire version (the beacons newer senders add for older receivers are not counted).</summary>
    public long DroppedForeign => Volatile.Read(ref _foreign);

    /// <summary>
    /// Announces refused: a session ticket that is malformed, not signed by a trusted key, or names another session;
    /// pieces that do not add up; or more tickets than the receiver verifies a second. Forged or foreign traffic.
    /// </summary>
    public long AnnouncesRejected => Volatile.Read(ref _rejected);

    /// <summary>Failures while handling one datagram (a bug, or a spool file failing), contained: the packet was dropped.</summary>
    public long Faults => Volatile.Read(ref _faults);

    /// <summary>Times a verified session was not collected: its spool over the budget or the free space, or its state over the memory bound.</summary>
    public long SessionsNotAdmitted => Volatile.Read(ref _notAdmitted);

    /// <summary>Open sessions closed to make room for another (least recently active first); they resume at their next announce.</summary>
    public long SessionsEvicted => Volatile.Read(ref _evicted);

    /// <summary>MAC missing or wrong (or present when no key is configured).</summary>
    public long DroppedBadMac => Volatile.Read(ref _badMac);

    /// <summary>Times the receive thread waited for the decode loop with a batch (nothing is dropped; the kernel buffer holds on).</summary>
    public long QueueWaits => Volatile.Read(ref _queueFull);

    /// <summary>Symbols dropped because their session's announce did not come while they were held (<see cref="UdpReceiveOptions.EarlySymbolWait"/>).</summary>
    public long DroppedUnannounced => Volatile.Read(ref _unannounced);

    /// <summary>Symbols that arrived before their session's announce, were held, and were stored once it came.</summary>
    public long EarlySymbolsStored => Volatile.Read(ref _earlyStored);

    /// <summary>Packets of sessions that are finished, unwanted or being handed over.</summary>
    public long IgnoredPackets => Volatile.Read(ref _ignored);

    public long DuplicateSymbols => Volatile.Read(ref _duplicates);

    /// <summary>Symbols written to the spool.</summary>
    public long SymbolsStored => Volatile.Read(ref _symbolsStored);

    /// <summary>Symbol packets the senders numbered but that never arrived here (sequence gaps, less late arrivals).</summary>
    public long LostPackets => Math.Max(0, Volatile.Read(ref _lost) - Volatile.Read(ref _late));

    public double LossRate
    {
        get
        {
            long lost = LostPackets;
            long seen = Volatile.Read(ref _symbolPackets);
            return lost + seen == 0 ? 0 : (double)lost / (lost + seen);
        }
    }

    /// <summary>
    /// Lost packets not explained by our own socket's drops: roughly what the link (or the sender's host) lost.
    /// Sequence gaps count both, since a datagram the kernel dropped for us never reaches the receive thread.
    /// </summary>
    public long LinkLostPackets => Math.Max(0, LostPackets - Math.Max(0, KernelDrops));

    public long Bursts => Volatile.Read(ref _bursts);

    public long MaxBurst => Volatile.Read(ref _maxBurst);

    public double MeanBurst => Bursts == 0 ? 0 : (double)Volatile.Read(ref _lost) / Bursts;

    /// <summary>A copy of the burst-length histogram (see <see cref="BurstBuckets"/>).</summary>
    public long[] BurstHistogram()
    {
        var copy = new long[BurstBuckets];
        for (int i = 0; i < BurstBuckets; i++)
        {
            copy[i] = Volatile.Read(ref _burstHistogram[i]);
        }

        return copy;
    }

    /// <summary>Blocks whose data symbols are all in the spool, in the sessions now open.</summary>
    public long BlocksComplete => Volatile.Read(ref _blocksComplete);

    /// <summary>Blocks still short of symbols in the sessions now open.</summary>
    public long BlocksPending => Volatile.Read(ref _blocksPending);

    /// <summary>Blocks that needed FEC (some data symbol lost and rebuilt).</summary>
    public long BlocksDecoded => Volatile.Read(ref _blocksDecoded);

    public long DecodeFailures => Volatile.Read(ref _decodeFailures);

    /// <summary>Blocks found complete in a spool left by an earlier run (resume).</summary>
    public long BlocksResumed => Volatile.Read(ref _blocksResumed);

    /// <summary>Symbols found in a spool left by an earlier run (resume).</summary>
    public long SymbolsResumed => Volatile.Read(ref _symbolsResumed);

    /// <summary>
    /// FEC margin of blocks completed by this run: symbols received in the pass that completed the block, minus k.
    /// Small values mean the overhead barely sufficed. -1 until a block completes.
    /// </summary>
    public long MinFecMargin => Volatile.Read(ref _marginMin);

    public double MeanFecMargin => Volatile.Read(ref _marginSumMilli) / 1000.0;

    public long SessionsActive => Volatile.Read(ref _sessionsActive);

    /// <summary>Objects completed, checksummed and handed over.</summary>
    public long SessionsCompleted => Volatile.Read(ref _sessionsCompleted);

    /// <summary>Objects whose SHA-256 did not match their announce (then collected again).</summary>
    public long HashMismatches => Volatile.Read(ref _hashMismatches);

    /// <summary>The kernel's drop counter for our socket (/proc/net/udp); -1 when unknown.</summary>
    public long KernelDrops => Volatile.Read(ref _kernelDrops);

    /// <summary>Udp RcvbufErrors of the whole network namespace (/proc/net/snmp) since the receiver started; -1 when unknown.</summary>
    public long RcvbufErrors => Volatile.Read(ref _rcvbufErrors);

    /// <summary>Socket receive buffer the kernel granted, in bytes.</summary>
    public long GrantedReceiveBufferBytes => Volatile.Read(ref _grantedBuffer);

    /// <summary>Receive rate over the last report interval, UDP payload bits per second.</summary>
    public long ReceiveBitsPerSecond => Volatile.Read(ref _receiveRateBits);

    /// <summary>One line for logs and the CLI.</summary>
    public string Describe()
    {
        var c = CultureInfo.InvariantCulture;
        var s = new StringBuilder();
        s.Append(c, $"rx {PacketsReceived} pkts {BytesReceived / 1048576.0:F1} MiB at {ReceiveBitsPerSecond / 1e6:F1} Mbit/s; ");
        s.Append(c, $"loss {LossRate * 100:F2}% ({LostPackets} lost, {LinkLostPackets} of them not by our socket buffer; {Bursts} bursts, max {MaxBurst}, mean {MeanBurst:F1}); ");
        s.Append(c, $"blocks {BlocksComplete} done / {BlocksPending} pending ({BlocksDecoded} decoded, {BlocksResumed} resumed, {DecodeFailures} decode failures); ");
        s.Append(c, $"fec margin min {MinFecMargin} mean {MeanFecMargin:F1}; ");
        s.Append(c, $"dropped garbage {DroppedGarbage} truncated {DroppedTruncated} foreign {DroppedForeign} bad-mac {DroppedBadMac} unannounced {DroppedUnannounced}; queue waits {QueueWaits}; ");
        s.Append(c, $"ignored {IgnoredPackets}; duplicates {DuplicateSymbols}; stored early {EarlySymbolsStored}; ");
        s.Append(c, $"kernel drops {KernelDrops} rcvbuf-errors {RcvbufErrors} buffer {GrantedReceiveBufferBytes >> 20} MiB; ");
        s.Append(c, $"announces rejected {AnnouncesRejected}; faults {Faults}; ");
        s.Append(c, $"sessions {SessionsActive} open {SessionsCompleted} completed {HashMismatches} hash mismatches {SessionsNotAdmitted} not admitted {SessionsEvicted} evicted");
        return s.ToString();
    }

    internal void OnGap(long gap)
    {
        Interlocked.Add(ref _lost, gap);
        Interlocked.Increment(ref _bursts);
        int bucket = (int)Math.Min(BurstBuckets - 1, 63 - long.LeadingZeroCount(gap));
        Interlocked.Increment(ref _burstHistogram[bucket]);
        UdpMetrics.RecordBurst(gap);
        long max;
        while (gap > (max = Volatile.Read(ref _maxBurst)) && Interlocked.CompareExchange(ref _maxBurst, gap, max) != max)
        {
        }
    }

    internal static void Add(ref long field, long value = 1) => Interlocked.Add(ref field, value);
}

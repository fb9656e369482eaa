namespace Sync.Transport.Udp.Internal;

/// <summary>What the sessions of one stream's parts did together, from the first part's start to the last part's end.</summary>
internal sealed class PartsReport(TimeProvider time)
{
    private long _started;
    private long _ended;

    public int Parts { get; private set; }

    public long Packets { get; private set; }

    public long WireBytes { get; private set; }

    public long Blocks { get; private set; }

    public TimeSpan Elapsed => _ended > _started ? time.GetElapsedTime(_started, _ended) : TimeSpan.Zero;

    public double BitsPerSecond => Elapsed > TimeSpan.Zero ? WireBytes * 8 / Elapsed.TotalSeconds : 0;

    public void Started()
    {
        if (Parts++ == 0)
        {
            _started = time.GetTimestamp();
        }
    }

    public void Add(UdpSendReport report)
    {
        Packets += report.Packets;
        WireBytes += report.WireBytes;
        Blocks += report.Blocks;
        _ended = time.GetTimestamp();
    }
}

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? One object's transmission. Two dedicated threads and a fixed set of window buffers:
/// the producer thread reads and FEC-encodes windows ahead (<see cref="WindowBuilder"/>), the send thread paces
/// them onto the socket with a <see cref="TokenBucket"/> and slips the announce in every interval. Ready and free
/// windows travel through two bounded queues, so encoding runs ahead but never more than the pool allows.
/// The send thread waits by sleeping for long gaps, yielding for medium ones and spinning for the last ~100 µs.
/// </summary>
internal sealed class SendSession
{
    // Datagrams per burst: enough for about 200 µs of the rate (so the pacer can sleep between bursts instead of
    // spinning), at least 4 and at most 16 (24 KB at 1500 bytes, far below any switch or diode buffer).
    private const double BurstSeconds = 200e-6;
    private const int MinBurstDatagrams = 4;
    private const int MaxBurstDatagrams = 16;
    private const double MaxCreditSeconds = 0.1;
    private const double CatchUpFactor = 1.25;

    /// <summary>
    /// Bursts a late send thread may send back to back, at least. With one, every wake-up sent one burst,
    /// so a thread that woke more than a quarter of a burst late on each (a busy 2-core host: the emit, the encoder,
    /// the JIT, a co-located receiver) could not catch up at all: the sender reached 79-82 % of its rate there.
    /// </summary>
    internal const int CatchUpBursts = 4;

    // ... and at least this much of the rate: at high rates a burst is short (16 datagrams are 69 µs at 3.5 Gbit/s),
    // and a sender asked for 3.5 Gbit/s sent 1.90 Gbit/s with a millisecond of depth against 1.73 with four bursts.
    private const double CatchUpSeconds = 0.001;

    // At least this many announces per pass, spread by packet count: a pass shorter than the announce interval would
    // otherwise carry one, and a receiver that lost it would have nothing to file the pass's symbols under.
    private const int MinAnnouncesPerPass = 8;

    private readonly UdpSendOptions _options;
    private readonly SymbolSchedule _schedule;
    private readonly ulong _sessionId;
    private readonly byte[] _sealedTicket;
    private readonly int _sealLength;
    private readonly Socket _socket;
    private readonly WindowBuilder _builder;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IProgress<UdpSendProgress>? _progress;
    private readonly BlockingCollection<SendWindow> _free;
    private readonly SendWindowPool _windows;
    private readonly PacerCredit _credit;
    private readonly BlockingCollection<SendWindow> _ready;
    private readonly ManualResetEventSlim _primed = new();
    private readonly int _pool;
    private readonly SocketAddress _destination;
    private readonly int _wireOverhead;
    private readonly int _segments;
    private readonly int _burstDatagrams;
    private long _packets;
    private long _wireBytes;
    private long _sendErrors;
    private readonly long _created;
    private long _firstSend;
    private long _lastSend;
    private int _pass;
    private CancellationTokenSource? _stop;
    private Task? _producer;

    public SendSession(
        UdpSendOptions options, SymbolSchedule schedule, ulong sessionId, byte[] sealedTicket, int sealLength, SafeFileHandle file, long objectOffset, Socket socket, BlockCodecFactory codecs,
        ILogger logger, TimeProvider time, IProgress<UdpSendProgress>? progress, SendWindowPool windows, PacerCredit credit)
    {
        _credit = credit;
        _created = time.GetTimestamp();
        _windows = windows;
        _options = options;
        _schedule = schedule;
        _sessionId = sessionId;
        _sealedTicket = sealedTicket;
        _sealLength = sealLength;
        _socket = socket;
        _logger = logger;
        _time = time;
        _progress = progress;
        _destination = options.Destination.Serialize();
        _wireOverhead = options.IpUdpOverhead;
        _burstDatagrams = Math.Clamp(
            (int)(options.RateBitsPerSecond / 8.0 * BurstSeconds / (options.DatagramSize + _wireOverhead)), MinBurstDatagrams, MaxBurstDatagrams);
        _segments = options.DropSymbol is null ? UdpSockets.TryEnableSegmentation(socket, options.DatagramSize, _burstDatagrams) : 1;
        _builder = new WindowBuilder(file, objectOffset, schedule, sessionId, options.MacKey, codecs);

        int blocks = schedule.MaxWindowBlocks;
        long maxPackets = schedule.MaxWindowPackets;
        long windowBytes = maxPackets * options.DatagramSize;
        if (windowBytes > Array.MaxLength)
        {
            throw new ArgumentException($"a window of {blocks} blocks needs {windowBytes >> 20} MiB of datagrams: lower the interleave, k or the MTU");
        }

        long windowsNeeded = schedule.WindowCount * options.Passes;

        // Three windows keep the encoder a window ahead of the pacer; large ones (GF(2^16) blocks of tens of MB)
        // make do with two, which is what the planner counts in the sender's memory.
        int pool = (int)Math.Min(windowsNeeded, windowBytes <= 32 << 20 ? 3 : 2);
        _pool = pool;
        _free = new BlockingCollection<SendWindow>(Math.Max(1, pool));
        _ready = new BlockingCollection<SendWindow>(Math.Max(1, pool));
        for (int i = 0; i < pool; i++)
        {
            _free.Add(_windows.Rent((int)maxPackets, options.DatagramSize));
        }
    }

    /// <summary>
    /// Starts encoding windows ahead, before <see cref="RunAsync"/> paces them out: a carrier that sends a stream in
    /// parts primes the next part's windows while the current part is on the wire, so the link never waits for them.
    /// </summary>
    public void StartProducing(CancellationToken cancellationToken)
    {
        if (_producer is not null)
        {
            return;
        }

        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _producer = SessionThread.Start("udp-encode", () => Produce(_stop.Token), _stop);
    }

    public async Task<UdpSendReport> RunAsync(CancellationToken cancellationToken)
    {
        StartProducing(cancellationToken);
        var stop = _stop!;
        Task producer = _producer!;
        using var registration = cancellationToken.Register(stop.Cancel);
        Task sender = SessionThread.Start("udp-send", () => SendLoop(stop.Token), stop);
        try
        {
            await Task.WhenAll(producer, sender).ConfigureAwait(false);
        }
        catch when (producer.IsFaulted || sender.IsFaulted)
        {
            // Prefer the real failure over the cancellation it caused in the other thread.
            throw (producer.Exception ?? sender.Exception)!.InnerException!;
        }
        finally
        {
            Release();
        }

        TimeSpan elapsed = _lastSend > _firstSend ? _time.GetElapsedTime(_firstSend, _lastSend) : TimeSpan.Zero;
        double rate = elapsed > TimeSpan.Zero ? _wireBytes * 8 / elapsed.TotalSeconds : 0;
        var report = new UdpSendReport(_packets, _wireBytes, elapsed, rate, _options.Passes, _schedule.Layout.BlockCount) { SendErrors = SendErrors };
        UdpMetrics.RecordSent(report);
        return report;
    }

    public long SendErrors => Interlocked.Read(ref _sendErrors);

    /// <summary>Stops a session that was primed but will not be sent (the part before it failed), and frees its windows.</summary>
    public async Task AbandonAsync()
    {
        if (_producer is { } producer)
        {
            _stop!.Cancel();
            await producer.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default).ConfigureAwait(false);
        }

        Release();
    }

    /// <summary>Hands the windows on to the next session (both threads have ended), then frees the queues.</summary>
    private void Release()
    {
        foreach (var queue in new[] { _free, _ready })
        {
            while (queue.TryTake(out var window))
            {
                _windows.Return(window);
            }
        }

        _free.Dispose();
        _ready.Dispose();
        _primed.Dispose();
        _stop?.Dispose();
    }

    private void Produce(CancellationToken cancellationToken)
    {
        try
        {
            for (int pass = _options.FirstPass; pass < _options.FirstPass + _options.Passes; pass++)
            {
                for (long w = 0; w < _schedule.WindowCount; w++)
                {
                    SendWindow window = _free.Take(cancellationToken);
                    _builder.Build(window, pass, w, cancellationToken);
                    _ready.Add(window, cancellationToken);
                    if (_ready.Count >= _pool)
                    {
                        _primed.Set();
                    }
                }
            }
        }
        finally
        {
            _ready.CompleteAdding();
            _primed.Set();
        }
    }

    private void SendLoop(CancellationToken cancellationToken)
    {
        // Start only once every buffer is full: the first windows are built by not-yet-optimised code (tier-0 JIT)
        // and take ten times longer than the rest, which would otherwise stall the pacer beyond its credit.
        _primed.Wait(cancellationToken);
        int burst = _burstDatagrams * (_options.DatagramSize + _wireOverhead);
        int depth = (int)Math.Max(burst * CatchUpBursts, _options.RateBitsPerSecond / 8.0 * CatchUpSeconds);
        var bucket = _credit.Take(_options.RateBitsPerSecond / 8.0, _time.TimestampFrequency, depth, MaxCreditSeconds, CatchUpFactor, _time.GetTimestamp());
        try
        {
            SendWindows(new PacedWait(bucket, _time), cancellationToken);
        }
        finally
        {
            _credit.Return(bucket);
        }
    }

    private void SendWindows(PacedWait pacer, CancellationToken cancellationToken)
    {
        long frequency = _time.TimestampFrequency;
        long announceEvery = Math.Max(1, (long)(_options.AnnounceInterval.TotalSeconds * frequency));
        long progressEvery = frequency / 10;
        long nextAnnounce = 0;
        long announceEveryPackets = Math.Max(1, _schedule.PacketsPerPass / MinAnnouncesPerPass);
        long sinceAnnounce = 0;
        int announceRound = 0;
        long nextProgress = 0;
        byte[][] announces = [];
        long planned = _schedule.PacketsPerPass * _options.Passes;
        foreach (SendWindow window in _ready.GetConsumingEnumerable(cancellationToken))
        {
            if (window.Pass != _pass)
            {
                _pass = window.Pass;
                _options.PassStarting?.Invoke(_pass);
                announces = Announces(_pass);
                nextAnnounce = 0;
                announceRound = 0;
            }

            for (int q = 0; q < window.Count; q += _segments)
            {
                cancellationToken.ThrowIfCancellationRequested();
                long now = _time.GetTimestamp();
                if (now >= nextAnnounce || sinceAnnounce >= announceEveryPackets)
                {
                    SendAnnounces(announces, announceRound++, pacer, cancellationToken);
                    nextAnnounce = Math.Max(nextAnnounce + announceEvery, now);
                    sinceAnnounce = 0;
                }

                if (now >= nextProgress && _progress is not null)
                {
                    nextProgress = now + progressEvery;
                    _progress.Report(Progress(planned));
                }

                // With UDP segmentation one send hands the kernel up to a burst's worth of consecutive datagrams.
                int count = Math.Min(_segments, window.Count - q);
                pacer.Wait(count * (window.DatagramSize + _wireOverhead), cancellationToken);
                if (_options.DropSymbol?.Invoke(window.Order[q], _pass) == true)
                {
                    Count(1, window.DatagramSize);
                }
                else
                {
                    Send(window.Datagrams.AsSpan(q * window.DatagramSize, count * window.DatagramSize), count);
                }

                sinceAnnounce += count;
            }

            _free.Add(window, CancellationToken.None);
        }

        if (_schedule.WindowCount == 0)
        {
            // An empty object is all announce: repeat it for a while each pass so receivers still hear of it.
            for (_pass = 1; _pass <= _options.Passes; _pass++)
            {
                announces = Announces(_pass);
                for (int i = 0; i < 5; i++)
                {
                    SendAnnounces(announces, i, pacer, cancellationToken);
                    if (_options.AnnounceInterval < TimeSpan.FromSeconds(1))
                    {
                        cancellationToken.WaitHandle.WaitOne(_options.AnnounceInterval);
                    }
                }
            }
        }

        _progress?.Report(Progress(planned));
    }

    /// <summary>One round of announces for <paramref name="pass"/>: the sealed ticket's pieces, then the beacon for receivers of wire version 1.</summary>
    private byte[][] Announces(int pass) =>
        [.. AnnounceCodec.BuildDatagrams(_sessionId, _sealedTicket, _sealLength, pass, _schedule.Layout.SymbolSize, _options.MacKey),
         LegacyBeacon.Build(_schedule.Layout.SymbolSize, _options.MacKey)];

    private UdpSendProgress Progress(long planned)
    {
        TimeSpan elapsed = _firstSend == 0 ? TimeSpan.Zero : _time.GetElapsedTime(_firstSend, _lastSend);
        double rate = elapsed > TimeSpan.Zero ? _wireBytes * 8 / elapsed.TotalSeconds : 0;
        return new UdpSendProgress(_pass, _options.Passes, _packets, _wireBytes, planned, rate);
    }

    private void SendAnnounces(byte[][] announces, int round, PacedWait pacer, CancellationToken cancellationToken)
    {
        bool drop = _options.DropAnnounce?.Invoke(round, _pass) == true;
        foreach (byte[] announce in announces)
        {
            pacer.Wait(announce.Length + _wireOverhead, cancellationToken);
            if (drop)
            {
                Count(1, announce.Length);
            }
            else
            {
                Send(announce, 1);
            }
        }
    }

    /// <summary>Sends <paramref name="count"/> equal datagrams laid end to end (more than one only with UDP segmentation).</summary>
    private void Send(ReadOnlySpan<byte> datagrams, int count)
    {
        try
        {
            _socket.SendTo(datagrams, SocketFlags.None, _destination);
        }
        catch (SocketException e) when (e.SocketErrorCode != SocketError.MessageSize)
        {
            // A diode has nobody to tell: a failed send is one more lost packet, which the FEC and later passes cover.
            long errors = Interlocked.Increment(ref _sendErrors);
            if ((errors & (errors - 1)) == 0)
            {
                UdpLog.SendError(_logger, e.SocketErrorCode.ToString(), errors);
            }
        }
        catch (SocketException e)
        {
            // Every datagram has the same size, so this would fail for all of them: stop and say what to change.
            throw new IOException($"a {datagrams.Length / count}-byte datagram does not fit the path MTU to {_options.Destination} (fragmentation is off): lower the MTU option below {_options.Mtu}", e);
        }

        Count(count, datagrams.Length / count);
    }

    private void Count(int datagrams, int datagramBytes)
    {
        long now = _time.GetTimestamp();
        if (_firstSend == 0)
        {
            _firstSend = now;
            UdpLog.TransmissionStarted(_logger, _sessionId, _time.GetElapsedTime(_created, now).TotalSeconds);
        }

        _lastSend = now;
        _packets += datagrams;
        _wireBytes += datagrams * (long)(datagramBytes + _wireOverhead);
    }
}

using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Sync.Transport.Udp.Internal;

namespace Sync.Transport.Udp;

/// <summary>
/// What is this? The inside end of the diode. It listens until cancelled and never gives up on a transfer: lost or
/// damaged packets only leave blocks pending until later passes (or a later send of the same session) fill them,
/// and the spool survives restarts. Threads: a dedicated receive thread (read in bursts, validate, queue batches), a
/// dedicated decode thread (store, decode, checkpoint), one task per object being handed to the caller, and two
/// timers (checkpoint tick, report). All have ended when <see cref="RunAsync"/> returns.
/// </summary>
public sealed class UdpReceiver
{
    // Batches of up to 256 datagrams, full ones whenever the decode loop is behind: about 0.75 s at 1 Gbit/s, then
    // the kernel buffer.
    private const int QueueCapacity = 65536 / ReceiveLoop.MaxBatchPackets;

    // How long the receive thread lets datagrams gather after a read empties the socket (see ReceiveLoop).
    private static readonly TimeSpan Gather = TimeSpan.FromMilliseconds(1);

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly BlockCodecFactory _codecs;
    private int _running;
    private long _lastReportBytes;
    private long _lastReportAt;
    private Action? _sample;

    public UdpReceiver(ILogger logger, TimeProvider time)
        : this(logger, time, BlockCodecs.Production)
    {
    }

    internal UdpReceiver(ILogger logger, TimeProvider time, BlockCodecFactory codecs)
    {
        _logger = logger;
        _time = time;
        _codecs = codecs;
    }

    public UdpReceiverStats Stats { get; } = new();

    /// <summary>One line describing the receiver's state, for the CLI; refreshes the kernel counters and the rate first.</summary>
    public string Describe()
    {
        Action? sample = _sample;
        sample?.Invoke();
        return Stats.Describe();
    }

    /// <summary>
    /// Listens until <paramref name="cancellationToken"/> is cancelled, then throws <see cref="OperationCanceledException"/>.
    /// <paramref name="onComplete"/> is called once per session whose object is complete and matches its SHA-256;
    /// the object's file is deleted when it returns. One run at a time per instance.
    /// </summary>
    public async Task RunAsync(UdpReceiveOptions options, Func<ReceivedObject, CancellationToken, Task<ObjectDisposition>> onComplete, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(onComplete);
        options.Validate();
        if (Interlocked.Exchange(ref _running, 1) == 1)
        {
            throw new InvalidOperationException("this receiver is already running");
        }

        try
        {
            await RunCoreAsync(options, onComplete, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    private async Task RunCoreAsync(UdpReceiveOptions options, Func<ReceivedObject, CancellationToken, Task<ObjectDisposition>> onComplete, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.SpoolDirectory);
        FinishedSessions finished = FinishedSessions.Load(options.SpoolDirectory);
        using var socket = UdpSockets.CreateReceiver(options, out int granted, out bool forced);
        Volatile.Write(ref Stats._grantedBuffer, granted);
        UdpMetrics.Observe(Stats);
        UdpLog.ReceiveBuffer(_logger, options.Bind.ToString(), options.Group?.ToString() ?? "none", options.ReceiveBufferBytes, granted, forced ? "SO_RCVBUFFORCE" : "SO_RCVBUF");
        if (granted < options.ReceiveBufferBytes)
        {
            UdpLog.ReceiveBufferClamped(_logger, options.ReceiveBufferBytes, granted);
        }

        long inode = KernelUdpCounters.SocketInode(socket);
        long rcvbufErrorsAtStart = KernelUdpCounters.RcvbufErrors();
        _lastReportBytes = Stats.BytesReceived;
        _lastReportAt = _time.GetTimestamp();
        _sample = () => Sample(inode, rcvbufErrorsAtStart);

        var queue = Channel.CreateBounded<ReceivedBatch>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var budget = new SpoolBudget(options.SpoolDirectory, options.SpoolMaxBytes);
        UdpLog.SpoolBudget(_logger, options.SpoolDirectory, budget.MaxBytes, budget.Used(), budget.KeepFree);
        var decoder = new ReceiveDecoder(options, onComplete, finished, budget, Stats, _logger, _time, _codecs);
        Task receiving = new ReceiveLoop(socket, options.MacKey, queue.Writer, Stats, _logger, Gather).Start(stop.Token);
        options.Listening?.Invoke();
        try
        {
            using ITimer tick = _time.CreateTimer(_ => queue.Writer.TryWrite(ReceivedBatch.Tick), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
            using ITimer report = _time.CreateTimer(_ => Report(inode, rcvbufErrorsAtStart), null, options.ReportInterval, options.ReportInterval);
            await DedicatedThreadContext.Run("udp-decode", () => decoder.RunAsync(queue.Reader, stop.Token)).ConfigureAwait(false);
        }
        finally
        {
            stop.Cancel();
            await receiving.ConfigureAwait(false);
            queue.Writer.TryComplete();
            while (queue.Reader.TryRead(out ReceivedBatch? left))
            {
                left.Release();
            }

            await decoder.DisposeAsync().ConfigureAwait(false);
            Sample(inode, rcvbufErrorsAtStart);
            _sample = null;
        }
    }

    private void Report(long inode, long rcvbufErrorsAtStart)
    {
        Sample(inode, rcvbufErrorsAtStart);
        UdpLog.Report(_logger, Stats.Describe());
    }

    private void Sample(long inode, long rcvbufErrorsAtStart)
    {
        long now = _time.GetTimestamp();
        long bytes = Stats.BytesReceived;
        double seconds = _time.GetElapsedTime(Interlocked.Exchange(ref _lastReportAt, now), now).TotalSeconds;
        long before = Interlocked.Exchange(ref _lastReportBytes, bytes);
        if (seconds > 0)
        {
            Volatile.Write(ref Stats._receiveRateBits, (long)((bytes - before) * 8 / seconds));
        }

        Volatile.Write(ref Stats._kernelDrops, KernelUdpCounters.SocketDrops(inode));
        long rcvbufErrors = KernelUdpCounters.RcvbufErrors();
        Volatile.Write(ref Stats._rcvbufErrors, rcvbufErrors < 0 || rcvbufErrorsAtStart < 0 ? -1 : rcvbufErrors - rcvbufErrorsAtStart);
    }
}

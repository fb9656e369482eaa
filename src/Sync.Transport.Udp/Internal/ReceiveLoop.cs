using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? The receiver's dedicated socket thread. It only reads, validates (length, checksum, MAC), tracks
/// sequence gaps and queues; anything slow happens on the decode loop, so the kernel buffer is drained as fast as
/// packets come. Reads come in bursts (recvmmsg), and when a read empties the socket the thread sleeps for
/// <c>gather</c> before the next, so the next read returns a burst instead of the thread being woken for every
/// datagram; the kernel's socket buffer (tens of MiB, half a second at 1 Gbit/s) holds them meanwhile. The valid
/// datagrams of a burst travel as one <see cref="ReceivedBatch"/>. When the queue is full the thread waits for the
/// decode loop (counted) rather than dropping. It ends within one receive timeout (200 ms) of cancellation.
/// </summary>
internal sealed class ReceiveLoop(Socket socket, byte[]? macKey, ChannelWriter<ReceivedBatch> queue, UdpReceiverStats stats, ILogger logger, TimeSpan gather)
{
    /// <summary>Most datagrams one batch carries: a few reads' worth, so a backlog drains in few queue items.</summary>
    public const int MaxBatchPackets = 256;

    private const int MaxTrackedSessions = 64;

    // Datagrams per read: 64 slots of 64 KiB (4 MiB of address space, touched only as far as datagrams reach).
    private const int ReadSlots = 64;

    private readonly Dictionary<ulong, SequenceTracker> _trackers = [];
    private readonly ReceivedBatchPool _batches = new();

    public Task Start(CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Run(cancellationToken);
            }
            catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException)
            {
            }
            finally
            {
                done.SetResult();
            }
        })
        {
            IsBackground = true,
            Name = "udp-receive",
        };
        thread.Start();
        return done.Task;
    }

    private void Run(CancellationToken cancellationToken)
    {
        using DatagramReader reader = DatagramReader.Create(socket, ReadSlots);
        long failures = 0;
        ReceivedBatch batch = _batches.Rent();
        while (!cancellationToken.IsCancellationRequested)
        {
            int received = reader.Receive(out string? failure);
            if (failure is not null && ((++failures) & (failures - 1)) == 0)
            {
                UdpLog.ReceiveError(logger, failure);
            }

            if (received == 0)
            {
                // A read that timed out: the link is quiet, so the batches a backlog needed may go.
                _batches.TrimTo(ReceivedBatchPool.IdleKeep);
            }

            long bytes = 0;
            for (int i = 0; i < received; i++)
            {
                ReadOnlySpan<byte> datagram = reader.Datagram(i);
                bytes += datagram.Length;
                if (Validate(datagram, reader.Truncated(i), out PacketHeader header))
                {
                    batch.Add(header, datagram);
                }
            }

            // Once per read: the counters are read by other threads, so each update is an interlocked add.
            UdpReceiverStats.Add(ref stats._datagrams, received);
            UdpReceiverStats.Add(ref stats._bytes, bytes);

            // A read that did not fill every slot emptied the socket: hand the batch over now. A full read means
            // more is waiting; keep filling the batch while another full read still fits.
            bool drained = received < reader.Capacity;
            if (batch.Count > 0 && (drained || batch.Count > MaxBatchPackets - reader.Capacity))
            {
                if (!Enqueue(batch, cancellationToken))
                {
                    return;
                }

                batch = _batches.Rent();
            }

            if (drained && received > 0 && gather > TimeSpan.Zero)
            {
                // A plain sleep, not a timer: it only spaces reads, and the next read takes whatever gathered.
                Thread.Sleep(gather);
            }
        }
    }

    /// <summary>Checks one datagram, counting it when it is dropped, and tracks the sequence of valid symbols.</summary>
    private bool Validate(ReadOnlySpan<byte> datagram, bool truncated, out PacketHeader header)
    {
        header = default;
        PacketStatus status = truncated ? PacketStatus.Truncated : PacketCodec.TryOpen(datagram, macKey, out header);

        switch (status)
        {
            case PacketStatus.Ok:
                if (header.Type == PacketType.Symbol)
                {
                    Tracker(header.SessionId).Observe(header.Sequence, stats);
                }

                return true;
            case PacketStatus.Truncated:
                UdpReceiverStats.Add(ref stats._truncated);
                return false;
            case PacketStatus.Foreign:
                // A newer sender's beacon for older receivers is no news here; anything else is counted, and its
                // version kept so the decode loop can say which side to upgrade.
                if (!LegacyBeacon.Is(datagram))
                {
                    Volatile.Write(ref stats._lastForeignVersion, datagram[4]);
                    UdpReceiverStats.Add(ref stats._foreign);
                }

                return false;
            case PacketStatus.BadMac:
                UdpReceiverStats.Add(ref stats._badMac);
                return false;
            default:
                UdpReceiverStats.Add(ref stats._garbage);
                return false;
        }
    }

    /// <summary>Queues a batch, waiting while the queue is full; false when cancelled while waiting.</summary>
    private bool Enqueue(ReceivedBatch batch, CancellationToken cancellationToken)
    {
        if (queue.TryWrite(batch))
        {
            return true;
        }

        // The decode loop is behind (a hash, a checkpoint, a busy core): wait for it rather than drop, so the
        // kernel's socket buffer (tens of MiB) absorbs the stall too; only if that overflows is anything lost,
        // and the kernel counts it.
        UdpReceiverStats.Add(ref stats._queueFull);
        var spin = default(SpinWait);
        while (!queue.TryWrite(batch))
        {
            if (cancellationToken.IsCancellationRequested)
            {
                return false;
            }

            spin.SpinOnce(sleep1Threshold: 20);
        }

        return true;
    }

    private SequenceTracker Tracker(ulong sessionId)
    {
        if (!_trackers.TryGetValue(sessionId, out SequenceTracker? tracker))
        {
            if (_trackers.Count >= MaxTrackedSessions)
            {
                _trackers.Clear();
            }

            tracker = new SequenceTracker();
            _trackers[sessionId] = tracker;
        }

        return tracker;
    }
}

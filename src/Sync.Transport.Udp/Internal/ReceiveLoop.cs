using System.Buffers;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? The receiver's dedicated socket thread. It only reads, validates (length, checksum, MAC), tracks
/// sequence gaps and queues; anything slow happens on the decode loop, so the kernel buffer is drained as fast as
/// packets come. When the queue is full the packet is dropped and counted rather than blocking the socket.
/// It ends within one receive timeout (200 ms) of cancellation.
/// </summary>
internal sealed class ReceiveLoop(Socket socket, byte[]? macKey, ChannelWriter<ReceivedPacket> queue, UdpReceiverStats stats, ILogger logger)
{
    private const int MaxTrackedSessions = 64;

    // Datagrams per recvmmsg: 64 slots of 64 KiB (4 MiB of address space, touched only as far as datagrams reach).
    private const int BatchSize = 64;

    private readonly Dictionary<ulong, SequenceTracker> _trackers = [];

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
        using DatagramReader reader = DatagramReader.Create(socket, BatchSize);
        long failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            int received = reader.Receive(out string? failure);
            if (failure is not null && ((++failures) & (failures - 1)) == 0)
            {
                UdpLog.ReceiveError(logger, failure);
            }

            long bytes = 0;
            for (int i = 0; i < received; i++)
            {
                ReadOnlySpan<byte> datagram = reader.Datagram(i);
                bytes += datagram.Length;
                if (!Accept(datagram, reader.Truncated(i), cancellationToken))
                {
                    return;
                }
            }

            // One update per batch: the counters are read by other threads, so each is an interlocked add.
            UdpReceiverStats.Add(ref stats._datagrams, received);
            UdpReceiverStats.Add(ref stats._bytes, bytes);
        }
    }

    /// <summary>Validates one datagram and queues it; false when cancelled while waiting for room.</summary>
    private bool Accept(ReadOnlySpan<byte> datagram, bool truncated, CancellationToken cancellationToken)
    {
        if (truncated)
        {
            UdpReceiverStats.Add(ref stats._truncated);
            return true;
        }

        switch (PacketCodec.TryOpen(datagram, macKey, out PacketHeader header))
        {
            case PacketStatus.Ok:
                break;
            case PacketStatus.Truncated:
                UdpReceiverStats.Add(ref stats._truncated);
                return true;
            case PacketStatus.Foreign:
                UdpReceiverStats.Add(ref stats._foreign);
                return true;
            case PacketStatus.BadMac:
                UdpReceiverStats.Add(ref stats._badMac);
                return true;
            default:
                UdpReceiverStats.Add(ref stats._garbage);
                return true;
        }

        if (header.Type == PacketType.Symbol)
        {
            Tracker(header.SessionId).Observe(header.Sequence, stats);
        }

        int n = datagram.Length;
        byte[] copy = ArrayPool<byte>.Shared.Rent(n);
        datagram.CopyTo(copy);
        var packet = new ReceivedPacket(header, copy, n);
        if (!queue.TryWrite(packet))
        {
            // The decode loop is behind (a hash, a checkpoint, a busy core): wait for it rather than drop, so the
            // kernel's socket buffer (tens of MiB) absorbs the stall too; only if that overflows is anything lost,
            // and the kernel counts it.
            UdpReceiverStats.Add(ref stats._queueFull);
            var spin = default(SpinWait);
            while (!queue.TryWrite(packet))
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    ArrayPool<byte>.Shared.Return(copy);
                    return false;
                }

                spin.SpinOnce(sleep1Threshold: 20);
            }
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

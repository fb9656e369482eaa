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
        byte[] buffer = GC.AllocateUninitializedArray<byte>(ushort.MaxValue + 1);
        long errors = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            int n = socket.Receive(buffer, SocketFlags.None, out SocketError error);
            if (error is SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted)
            {
                continue;
            }

            if (error != SocketError.Success)
            {
                if (((++errors) & (errors - 1)) == 0)
                {
                    UdpLog.ReceiveError(logger, error.ToString());
                }

                continue;
            }

            UdpReceiverStats.Add(ref stats._datagrams);
            UdpReceiverStats.Add(ref stats._bytes, n);
            ReadOnlySpan<byte> datagram = buffer.AsSpan(0, n);
            switch (PacketCodec.TryOpen(datagram, macKey, out PacketHeader header))
            {
                case PacketStatus.Ok:
                    break;
                case PacketStatus.Truncated:
                    UdpReceiverStats.Add(ref stats._truncated);
                    continue;
                case PacketStatus.Foreign:
                    UdpReceiverStats.Add(ref stats._foreign);
                    continue;
                case PacketStatus.BadMac:
                    UdpReceiverStats.Add(ref stats._badMac);
                    continue;
                default:
                    UdpReceiverStats.Add(ref stats._garbage);
                    continue;
            }

            if (header.Type == PacketType.Symbol)
            {
                Tracker(header.SessionId).Observe(header.Sequence, stats);
            }

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
                        return;
                    }

                    spin.SpinOnce(sleep1Threshold: 20);
                }
            }
        }
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

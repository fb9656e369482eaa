using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Sync.Transport.Udp.Internal;
using Xunit.Abstractions;

namespace Sync.Transport.Udp.Tests;

/// <summary>
/// The receive thread over a real loopback socket: datagrams are queued in the socket before the loop starts, so
/// every read finds a burst waiting, as it does at line rate.
/// </summary>
[Collection("loopback")]
public sealed class ReceiveLoopServerTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private static byte[] Symbol(ulong sequence, int payload)
    {
        var datagram = new byte[PacketCodec.DatagramSize(payload, mac: false)];
        datagram.AsSpan(PacketCodec.HeaderSize, payload).Fill((byte)sequence);
        PacketCodec.WriteHeader(datagram, new PacketHeader(PacketType.Symbol, 1, 77, sequence, (uint)sequence, 0, (ushort)payload), mac: false);
        PacketCodec.Seal(datagram, null);
        return datagram;
    }

    private Socket Bind(out IPEndPoint endpoint, out int granted)
    {
        Socket socket = UdpSockets.CreateReceiver(TestTickets.Receive(Ports.FreeLoopback(), _dir.Path), out granted, out _);
        endpoint = (IPEndPoint)socket.LocalEndPoint!;
        return socket;
    }

    private static async Task<List<(int Count, List<PacketHeader> Headers)>> ReadAsync(ChannelReader<ReceivedBatch> queue, int packets)
    {
        var batches = new List<(int, List<PacketHeader>)>();
        int seen = 0;
        using var timeout = new CancellationTokenSource(Patience);
        while (seen < packets)
        {
            ReceivedBatch batch = await queue.ReadAsync(timeout.Token);
            var headers = new List<PacketHeader>();
            for (int i = 0; i < batch.Count; i++)
            {
                ReceivedPacket packet = batch[i];
                Assert.True(packet.Payload.IndexOfAnyExcept((byte)packet.Header.Sequence) < 0, "payload damaged in the batch");
                headers.Add(packet.Header);
            }

            seen += batch.Count;
            batches.Add((batch.Count, headers));
            batch.Release();
        }

        return batches;
    }

    [Fact]
    public async Task A_burst_waiting_in_the_socket_arrives_in_a_few_batches_intact_and_in_order()
    {
        using Socket socket = Bind(out IPEndPoint endpoint, out int granted);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        // Without root the buffer may be small; stay well inside it so the kernel drops nothing.
        int count = Math.Clamp(granted / 8192, 20, 1000);
        for (int i = 0; i < count; i++)
        {
            client.SendTo(Symbol((ulong)i, 1400), endpoint);
        }

        var stats = new UdpReceiverStats();
        var queue = Channel.CreateUnbounded<ReceivedBatch>();
        using var stop = new CancellationTokenSource();
        Task loop = new ReceiveLoop(socket, null, queue.Writer, stats, new TestLogger(output, "recv"), TimeSpan.FromMilliseconds(1)).Start(stop.Token);

        var batches = await ReadAsync(queue.Reader, count);
        await stop.CancelAsync();
        await loop.WaitAsync(Patience);

        output.WriteLine($"{count} datagrams in {batches.Count} batches: {string.Join(' ', batches.Select(b => b.Count))}");
        Assert.InRange(batches.Count, 1, (count / 64) + 2);
        Assert.Equal(Enumerable.Range(0, count).Select(i => (ulong)i), batches.SelectMany(b => b.Headers).Select(h => h.Sequence));
        Assert.Equal(count, stats.PacketsReceived);
        Assert.Equal(count * (long)PacketCodec.DatagramSize(1400, mac: false), stats.BytesReceived);
        Assert.Equal(0, stats.LostPackets);
    }

    [Fact]
    public async Task Garbage_truncated_and_foreign_datagrams_inside_a_burst_are_counted_and_dropped()
    {
        using Socket socket = Bind(out IPEndPoint endpoint, out _);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var random = new Random(5);
        int valid = 0, garbage = 0, truncated = 0, foreign = 0;
        for (int i = 0; i < 90; i++)
        {
            byte[] datagram = Symbol((ulong)valid, 300);
            switch (i % 6)
            {
                case 1:
                    var junk = new byte[random.Next(1, 1400)];
                    random.NextBytes(junk);
                    client.SendTo(junk, endpoint);
                    garbage++;
                    break;
                case 3:
                    client.SendTo(datagram.AsSpan(0, 100), SocketFlags.None, endpoint);
                    truncated++;
                    break;
                case 5:
                    datagram[4] = 9;
                    client.SendTo(datagram, endpoint);
                    foreign++;
                    break;
                default:
                    client.SendTo(datagram, endpoint);
                    valid++;
                    break;
            }
        }

        var stats = new UdpReceiverStats();
        var queue = Channel.CreateUnbounded<ReceivedBatch>();
        using var stop = new CancellationTokenSource();
        Task loop = new ReceiveLoop(socket, null, queue.Writer, stats, new TestLogger(output, "recv"), TimeSpan.FromMilliseconds(1)).Start(stop.Token);

        var batches = await ReadAsync(queue.Reader, valid);
        Assert.True(SpinWait.SpinUntil(() => stats.PacketsReceived >= 90, Patience), stats.Describe());
        await stop.CancelAsync();
        await loop.WaitAsync(Patience);

        Assert.Equal(Enumerable.Range(0, valid).Select(i => (ulong)i), batches.SelectMany(b => b.Headers).Select(h => h.Sequence));
        Assert.False(queue.Reader.TryRead(out _));
        Assert.Equal(90, stats.PacketsReceived);
        Assert.Equal(garbage, stats.DroppedGarbage);
        Assert.Equal(truncated, stats.DroppedTruncated);
        Assert.Equal(foreign, stats.DroppedForeign);
    }

    [Fact]
    public async Task Cancelling_an_idle_loop_ends_it_within_the_receive_timeout()
    {
        using Socket socket = Bind(out _, out _);
        var queue = Channel.CreateUnbounded<ReceivedBatch>();
        using var stop = new CancellationTokenSource();
        Task loop = new ReceiveLoop(socket, null, queue.Writer, new UdpReceiverStats(), new TestLogger(output, "recv"), TimeSpan.FromMilliseconds(1)).Start(stop.Token);
        await Task.Delay(300);
        Assert.False(loop.IsCompleted);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        await stop.CancelAsync();
        await loop.WaitAsync(Patience);
        // 200 ms of SO_RCVTIMEO plus room for a busy machine.
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public void One_recvmmsg_returns_every_datagram_the_socket_holds_and_an_empty_socket_times_out()
    {
        using Socket socket = Bind(out IPEndPoint endpoint, out _);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        for (int i = 0; i < 40; i++)
        {
            client.SendTo(Symbol((ulong)i, 500 + i), endpoint);
        }

        using var reader = new MmsgDatagramReader(socket, 64);
        Assert.Equal(40, reader.Receive(out string? failure));
        Assert.Null(failure);
        for (int i = 0; i < 40; i++)
        {
            Assert.Equal(PacketCodec.DatagramSize(500 + i, mac: false), reader.Datagram(i).Length);
            Assert.Equal(PacketStatus.Ok, PacketCodec.TryOpen(reader.Datagram(i), null, out PacketHeader header));
            Assert.Equal((ulong)i, header.Sequence);
            Assert.False(reader.Truncated(i));
        }

        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(0, reader.Receive(out failure));
        Assert.Null(failure);
        Assert.InRange(watch.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public void The_portable_reader_returns_one_datagram_per_call()
    {
        using Socket socket = Bind(out IPEndPoint endpoint, out _);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        for (int i = 0; i < 3; i++)
        {
            client.SendTo(Symbol((ulong)i, 200), endpoint);
        }

        using var reader = new SocketDatagramReader(socket);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(1, reader.Receive(out string? failure));
            Assert.Null(failure);
            Assert.Equal(PacketStatus.Ok, PacketCodec.TryOpen(reader.Datagram(0), null, out PacketHeader header));
            Assert.Equal((ulong)i, header.Sequence);
        }

        Assert.Equal(0, reader.Receive(out string? none));
        Assert.Null(none);
    }
}

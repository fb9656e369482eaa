using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sync.Transport.Udp.Internal;

namespace Sync.Attacks;

/// <summary>
/// Listens where a real `sync-outside send` is pointed and keeps one round of its announces: what an attacker who can
/// listen on the diode's segment gets to replay. Writes the port it listens on to a file first (the script then
/// starts the send), and the announces once the sender has been quiet for a while.
/// </summary>
internal static class AnnounceCapture
{
    public static async Task<int> RunAsync(Arguments options)
    {
        var quiet = TimeSpan.FromSeconds(options.Number("--quiet-seconds", 3));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        socket.ReceiveBufferSize = 8 << 20;
        await File.WriteAllTextAsync(options.Required("--port-file"), ((IPEndPoint)socket.LocalEndPoint!).Port.ToString(CultureInfo.InvariantCulture) + "\n");

        var announces = new List<byte[]>();
        var roundComplete = false;
        var buffer = new byte[65536];
        using var patience = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            // Until a round is complete the send may still be scanning its source; after it, silence means it is over.
            using var silence = CancellationTokenSource.CreateLinkedTokenSource(patience.Token);
            if (roundComplete)
            {
                silence.CancelAfter(quiet);
            }

            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer, SocketFlags.None, silence.Token);
            }
            catch (OperationCanceledException) when (!patience.IsCancellationRequested && roundComplete)
            {
                break; // the send is over
            }
            catch (OperationCanceledException)
            {
                throw new InvalidOperationException(roundComplete ? "the sender never went quiet" : "no complete round of announces arrived in 2 minutes");
            }

            if (roundComplete || n <= 5 || buffer[4] != PacketCodec.Version || buffer[5] != (byte)PacketType.Announce)
            {
                continue;
            }

            var datagram = buffer[..n];
            roundComplete = announces.Any(a => a.AsSpan().SequenceEqual(datagram)); // the next round repeats the first
            if (!roundComplete)
            {
                announces.Add(datagram);
            }
        }

        CapturedAnnounces.Save(options.Required("--out"), announces);
        Console.WriteLine($"captured {announces.Count} announce datagram(s) of one round");
        return 0;
    }
}

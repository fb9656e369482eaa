using System.Net;
using System.Net.Sockets;

namespace Sync.Transport.Udp.Internal;

/// <summary>Creates and tunes the carrier's sockets (Linux socket options, numbers from the kernel headers).</summary>
internal static class UdpSockets
{
    private const int SolSocket = 1;
    private const int SoRcvBufForce = 33;
    private const int SoSndBufForce = 32;
    private const int SendBufferBytes = 8 << 20;
    private const int IpProtoIp = 0;
    private const int IpMtuDiscover = 10;
    private const int IpProtoIpv6 = 41;
    private const int Ipv6MtuDiscover = 23;
    private const int PmtuDiscDo = 2;
    private const int SolUdp = 17;
    private const int UdpSegment = 103;
    private const int MaxSegmentedBytes = 65000;

    public static Socket CreateSender(UdpSendOptions options)
    {
        var socket = new Socket(options.Destination.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            bool v6 = options.Destination.AddressFamily == AddressFamily.InterNetworkV6;
            // DF on: a datagram bigger than the path MTU fails loudly here instead of being fragmented on the wire.
            socket.SetRawSocketOption(v6 ? IpProtoIpv6 : IpProtoIp, v6 ? Ipv6MtuDiscover : IpMtuDiscover, BitConverter.GetBytes(PmtuDiscDo));
            // A send blocks while the socket's buffer is full of datagrams the driver has not released yet; a roomy
            // buffer rides out late TX completions instead of stalling the pacer (SO_SNDBUFFORCE ignores wmem_max).
            try
            {
                socket.SetRawSocketOption(SolSocket, SoSndBufForce, BitConverter.GetBytes(SendBufferBytes));
            }
            catch (SocketException)
            {
                socket.SendBufferSize = SendBufferBytes;
            }

            if (options.LocalAddress is not null)
            {
                socket.Bind(new IPEndPoint(options.LocalAddress, 0));
            }

            if (IsMulticast(options.Destination.Address))
            {
                var level = v6 ? SocketOptionLevel.IPv6 : SocketOptionLevel.IP;
                socket.SetSocketOption(level, SocketOptionName.MulticastTimeToLive, options.Ttl);
                socket.SetSocketOption(level, SocketOptionName.MulticastLoopback, true);
                if (options.LocalAddress is not null && !v6)
                {
                    socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, options.LocalAddress.GetAddressBytes());
                }
            }

            return socket;
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new IOException($"cannot open a UDP socket to {options.Destination}{(options.LocalAddress is null ? string.Empty : $" from {options.LocalAddress}")}: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Turns on UDP generic segmentation offload (Linux 4.18+): one send of n equal datagrams laid end to end goes
    /// through the stack once and is cut by the kernel or the NIC, which is where most of a send's cost is.
    /// Returns how many datagrams to hand over per send (1 when unavailable).
    /// </summary>
    public static int TryEnableSegmentation(Socket socket, int datagramSize, int wanted)
    {
        int segments = Math.Min(wanted, MaxSegmentedBytes / datagramSize);
        if (segments < 2)
        {
            return 1;
        }

        try
        {
            socket.SetRawSocketOption(SolUdp, UdpSegment, BitConverter.GetBytes(datagramSize));
            return segments;
        }
        catch (SocketException)
        {
            return 1;
        }
    }

    /// <summary>
    /// A bound receive socket with the largest buffer the kernel grants: SO_RCVBUFFORCE (root, ignores
    /// net.core.rmem_max) first, SO_RCVBUF otherwise. Returns what the kernel reports it granted.
    /// </summary>
    public static Socket CreateReceiver(UdpReceiveOptions options, out int granted, out bool forced)
    {
        var socket = new Socket(options.Bind.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            forced = false;
            try
            {
                socket.SetRawSocketOption(SolSocket, SoRcvBufForce, BitConverter.GetBytes(options.ReceiveBufferBytes));
                forced = true;
            }
            catch (SocketException)
            {
                socket.ReceiveBufferSize = options.ReceiveBufferBytes;
            }

            // Linux doubles the value for its bookkeeping and reports the doubled figure.
            granted = socket.ReceiveBufferSize / 2;
            socket.ReceiveTimeout = 200;
            if (options.Group is null)
            {
                socket.Bind(options.Bind);
            }
            else
            {
                // Bound to the group address itself (Linux then delivers only that group's datagrams), on the bind
                // port; the bind address names the interface that joins, and several receivers may share the port.
                socket.ExclusiveAddressUse = false;
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                bool v6 = options.Group.AddressFamily == AddressFamily.InterNetworkV6;
                socket.Bind(new IPEndPoint(options.Group, options.Bind.Port));
                if (v6)
                {
                    socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(options.Group));
                }
                else
                {
                    socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(options.Group, options.Bind.Address));
                }
            }

            return socket;
        }
        catch (SocketException e)
        {
            // Wrong address for this host, port taken, no multicast route: one line for the operator, not a trace.
            socket.Dispose();
            throw new IOException($"cannot listen on {options.Bind}{(options.Group is null ? string.Empty : $" for group {options.Group}")}: {e.Message}", e);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public static bool IsMulticast(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? address.IsIPv6Multicast : (address.GetAddressBytes()[0] & 0xF0) == 0xE0;
}

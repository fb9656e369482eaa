using System.Net;
using System.Net.Sockets;

namespace Sync.Attacks;

/// <summary>Prints a loopback port that is free right now, for the agent under attack to listen on.</summary>
internal static class FreePort
{
    public static int Run(string protocol)
    {
        using var probe = protocol switch
        {
            "udp" => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp),
            "tcp" => new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp),
            _ => throw new UsageException("free-port takes udp or tcp"),
        };
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Console.WriteLine(((IPEndPoint)probe.LocalEndPoint!).Port);
        return 0;
    }
}

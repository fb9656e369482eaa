using System.Net;
using Sync.Core;

namespace Sync.Hosting;

/// <summary>HOST:PORT for --listen and --metrics-listen: an IP address (IPv6 in brackets) or "localhost".</summary>
public static class ListenAddress
{
    public static IPEndPoint Parse(string value, string option = "--listen")
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), out var port) || port is < 0 or > 65535)
        {
            throw SyncException.Usage($"{option} '{value}' is not HOST:PORT");
        }

        var host = value[..colon].Trim('[', ']');
        var address = host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host, out var parsed) ? parsed : null;
        return address is null
            ? throw SyncException.Usage($"{option} '{value}': '{host}' is not an IP address (use 0.0.0.0 for every interface)")
            : new IPEndPoint(address, port);
    }
}

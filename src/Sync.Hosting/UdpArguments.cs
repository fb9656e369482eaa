using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Sync.Core;

namespace Sync.Hosting;

/// <summary>
/// Parses the UDP carrier's arguments as operators write them, for both agents (the sender's and the receiver's
/// endpoints, rates, percentages; the MAC key file is read by the carrier's UdpMacKey); every failure is a one-line
/// usage error.
/// </summary>
public static class UdpArguments
{
    /// <summary>Longest host name the system resolver accepts; a longer one is a mistake, not a name.</summary>
    private const int MaxHostNameLength = 255;

    /// <summary>A rate in bits per second: 800M, 1G, 1.5g, 100k, 250000 (1000-based, as network rates are).</summary>
    public static long Rate(string option, string text)
    {
        var span = text.AsSpan().Trim();
        if (span.EndsWith("bit/s", StringComparison.OrdinalIgnoreCase))
        {
            span = span[..^5];
        }
        else if (span.EndsWith("bps", StringComparison.OrdinalIgnoreCase))
        {
            span = span[..^3];
        }

        decimal multiplier = 1;
        if (!span.IsEmpty && char.IsAsciiLetter(span[^1]))
        {
            multiplier = char.ToUpperInvariant(span[^1]) switch
            {
                'K' => 1e3m,
                'M' => 1e6m,
                'G' => 1e9m,
                _ => throw SyncException.Usage($"{option}: '{text}' is not a rate; expected bits per second with an optional k, M or G suffix (e.g. 800M, 1G, 100k)"),
            };
            span = span[..^1].TrimEnd();
        }

        if (span.IsEmpty || !decimal.TryParse(span, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number) ||
            number * multiplier < 8_000 || number * multiplier > 400e9m)
        {
            throw SyncException.Usage($"{option}: '{text}' is not a rate from 8k to 400G bits per second (e.g. 800M, 1G, 100k)");
        }

        return (long)decimal.Floor(number * multiplier);
    }

    /// <summary>A percentage such as 25 or 25% (or 12.5), returned as a fraction.</summary>
    public static double Percent(string option, string text, double max)
    {
        var span = text.AsSpan().Trim().TrimEnd('%');
        if (!double.TryParse(span, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var percent) || percent < 0 || percent > max)
        {
            throw SyncException.Usage($"{option}: '{text}' is not a percentage from 0 to {max.ToString(CultureInfo.InvariantCulture)}");
        }

        return percent / 100;
    }

    /// <summary>HOST:PORT where HOST is an IPv4/IPv6 address (a multicast group too) or a name; [v6]:PORT for IPv6.</summary>
    public static IPEndPoint Endpoint(string option, string text)
    {
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !ushort.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port == 0)
        {
            throw SyncException.Usage($"{option}: '{text}' is not HOST:PORT (e.g. 198.18.0.2:7700 or 239.255.10.1:7700)");
        }

        var host = text[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var address))
        {
            return new IPEndPoint(address, port);
        }

        if (host.Length > MaxHostNameLength)
        {
            // The resolver would throw on it; say what is wrong in the operator's terms instead.
            throw SyncException.Usage($"{option}: the host name is {host.Length} characters long; a host name has at most {MaxHostNameLength}");
        }

        try
        {
            var found = Dns.GetHostAddresses(host, AddressFamily.InterNetwork);
            return found.Length > 0
                ? new IPEndPoint(found[0], port)
                : throw SyncException.Usage($"{option}: '{host}' has no IPv4 address");
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            throw SyncException.Usage($"{option}: cannot resolve '{host}': {e.Message}");
        }
    }
}

using System.Globalization;
using System.Net.Sockets;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Reads the kernel's view of our socket: the per-socket drop counter in /proc/net/udp{,6} (found by the socket's
/// inode) and the namespace-wide Udp RcvbufErrors in /proc/net/snmp. Best effort: -1 when unavailable.
/// </summary>
internal static class KernelUdpCounters
{
    public static long SocketInode(Socket socket)
    {
        try
        {
            string? link = new FileInfo($"/proc/self/fd/{socket.SafeHandle.DangerousGetHandle()}").LinkTarget;
            // "socket:[12345]"
            return link is not null && link.StartsWith("socket:[", StringComparison.Ordinal)
                ? long.Parse(link.AsSpan(8, link.Length - 9), CultureInfo.InvariantCulture)
                : -1;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ObjectDisposedException)
        {
            return -1;
        }
    }

    public static long SocketDrops(long inode)
    {
        if (inode < 0)
        {
            return -1;
        }

        foreach (string table in (string[])["/proc/net/udp", "/proc/net/udp6"])
        {
            try
            {
                long drops = ParseSocketDrops(File.ReadAllText(table), inode);
                if (drops >= 0)
                {
                    return drops;
                }
            }
            catch (IOException)
            {
            }
        }

        return -1;
    }

    public static long RcvbufErrors()
    {
        try
        {
            return ParseRcvbufErrors(File.ReadAllText("/proc/net/snmp"));
        }
        catch (IOException)
        {
            return -1;
        }
    }

    /// <summary>The "drops" column (the last) of the row whose "inode" column (the tenth) is <paramref name="inode"/>.</summary>
    internal static long ParseSocketDrops(string table, long inode)
    {
        string wanted = inode.ToString(CultureInfo.InvariantCulture);
        foreach (string line in table.Split('\n'))
        {
            string[] columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (columns.Length >= 13 && columns[9] == wanted && long.TryParse(columns[^1], NumberStyles.None, CultureInfo.InvariantCulture, out long drops))
            {
                return drops;
            }
        }

        return -1;
    }

    /// <summary>Udp RcvbufErrors from the two "Udp:" lines (names, then values) of /proc/net/snmp.</summary>
    internal static long ParseRcvbufErrors(string snmp)
    {
        string[]? names = null;
        foreach (string line in snmp.Split('\n'))
        {
            if (!line.StartsWith("Udp: ", StringComparison.Ordinal))
            {
                continue;
            }

            string[] columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (names is null)
            {
                names = columns;
                continue;
            }

            int at = Array.IndexOf(names, "RcvbufErrors");
            return at > 0 && at < columns.Length && long.TryParse(columns[at], NumberStyles.None, CultureInfo.InvariantCulture, out long value) ? value : -1;
        }

        return -1;
    }
}

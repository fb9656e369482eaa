using System.Net.Sockets;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// Reads the datagrams a socket holds into slots the receive thread owns, as many as fit per call, so one wake-up
/// serves a burst. A slot stays valid until the next <see cref="Receive"/>. Used by <see cref="ReceiveLoop"/> only.
/// </summary>
internal abstract class DatagramReader : IDisposable
{
    /// <summary>Largest UDP payload (IPv6 jumbograms aside): no datagram is ever cut short.</summary>
    public const int SlotBytes = 65536;

    /// <summary>
    /// Waits up to the socket's receive timeout for the first datagram, then takes the others queued behind it
    /// without waiting. Returns how many slots were filled; 0 when nothing came in time, or when the call failed, which
    /// <paramref name="failure"/> then describes (receiving goes on).
    /// </summary>
    public abstract int Receive(out string? failure);

    /// <summary>How many slots one <see cref="Receive"/> can fill.</summary>
    public abstract int Capacity { get; }

    /// <summary>The datagram in slot <paramref name="index"/>; only the bytes that fit when it was <see cref="Truncated"/>.</summary>
    public abstract ReadOnlySpan<byte> Datagram(int index);

    public abstract bool Truncated(int index);

    /// <summary>recvmmsg on Linux; one datagram per call elsewhere.</summary>
    public static DatagramReader Create(Socket socket, int batch) =>
        OperatingSystem.IsLinux() ? new MmsgDatagramReader(socket, batch) : new SocketDatagramReader(socket);

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }
}

using System.Net;

namespace Sync.Transport.Udp;

/// <summary>Where and how to listen. Immutable; checked by <see cref="UdpReceiver.RunAsync"/> at start.</summary>
public sealed record UdpReceiveOptions(IPEndPoint Bind, string SpoolDirectory)
{
    /// <summary>The smallest socket receive buffer the receiver takes: below it a burst at line rate overflows at once.</summary>
    public const int MinReceiveBufferBytes = 64 << 10;

    /// <summary>
    /// Verifies each session ticket's seal before the receiver acts on any of it: nothing of a session is allocated,
    /// reserved or written before this accepted it. Required; the MAC (<see cref="MacKey"/>) does not replace it.
    /// </summary>
    public required SessionVerifier Verifier { get; init; }

    /// <summary>
    /// Bytes the spool may hold on disk, partial sessions included; a session that would go beyond it is not collected
    /// (and tried again later). Null: half the size of the spool's file system.
    /// </summary>
    public long? SpoolMaxBytes { get; init; }

    /// <summary>
    /// Called on the decode loop with a verified session's descriptor and the reason, when the session is not
    /// collected for lack of spool or memory (it is tried again every 30 s). Keep it quick.
    /// </summary>
    public Action<ReadOnlyMemory<byte>, string>? SessionNotAdmitted { get; init; }

    /// <summary>Multicast group to join; the socket then binds the group address on <see cref="Bind"/>'s port and joins on the interface that owns <see cref="Bind"/>'s address.</summary>
    public IPAddress? Group { get; init; }

    /// <summary>Key of the per-packet MAC; when set, packets without a valid MAC are dropped before decoding.</summary>
    public byte[]? MacKey { get; init; }

    /// <summary>Socket receive buffer to ask for: SO_RCVBUFFORCE (root), else SO_RCVBUF (clamped by net.core.rmem_max).</summary>
    public int ReceiveBufferBytes { get; init; } = 64 << 20;

    public TimeSpan ReportInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// An incomplete spool that has received nothing for this long is deleted (checked at start and hourly): its
    /// sender has moved on (a newer generation, a lost outside), and keeping it would only fill the disk.
    /// </summary>
    public TimeSpan SpoolMaxAge { get; init; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Symbols that arrive before their session's announce (its first announce was lost, or this receiver joined
    /// mid-pass) are held up to this many bytes, so the next announce still puts them to use; 0 drops them at once.
    /// </summary>
    public long EarlySymbolBytes { get; init; } = 32 << 20;

    /// <summary>How long a symbol is held waiting for its announce: well above the senders' announce interval (200 ms).</summary>
    public TimeSpan EarlySymbolWait { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Called on the decode loop with the descriptor of a session whose ticket <see cref="Verifier"/> accepted, once;
    /// false ignores the session until restart. Keep it quick.
    /// </summary>
    public Func<ReadOnlyMemory<byte>, bool>? WantsSession { get; init; }

    /// <summary>Called once the socket is bound (and has joined its group), before the first datagram is read: a service's readiness.</summary>
    public Action? Listening { get; init; }

    /// <summary>Warnings about what the network sends (rejected announces, faults, foreign versions) come at most once per kind per this interval.</summary>
    internal TimeSpan WarningInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Sessions open at once (see <see cref="Internal.SessionTable"/>).</summary>
    internal int MaxOpenSessions { get; init; } = Internal.SessionTable.DefaultMaxSessions;

    /// <summary>Memory the open sessions may hold between them (see <see cref="Internal.SessionTable"/>).</summary>
    internal long MaxSessionStateBytes { get; init; } = Internal.SessionTable.DefaultMaxStateBytes;

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Bind);
        ArgumentNullException.ThrowIfNull(Verifier);
        if (SpoolMaxBytes is < 0)
        {
            throw new ArgumentException("spool max bytes must not be negative");
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(SpoolDirectory);
        if (ReceiveBufferBytes < MinReceiveBufferBytes)
        {
            throw new ArgumentException($"receive buffer must be at least {MinReceiveBufferBytes >> 10} KiB");
        }

        if (ReportInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException("report interval must be positive");
        }

        if (SpoolMaxAge <= TimeSpan.Zero)
        {
            throw new ArgumentException("spool max age must be positive");
        }

        if (EarlySymbolBytes < 0 || EarlySymbolWait < TimeSpan.Zero)
        {
            throw new ArgumentException("early symbol bytes and wait must not be negative");
        }

        if (UdpMacKey.Problem(MacKey) is { } mac)
        {
            throw new ArgumentException("MAC key" + mac);
        }
    }
}

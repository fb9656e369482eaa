namespace Sync.Transport.Udp;

/// <summary>
/// Checks a session ticket's seal on the inside, before the receiver acts on any field of the ticket. Returns null
/// when a trusted key made the seal over exactly <paramref name="ticket"/>, otherwise one line saying why not (it is
/// logged, rate-limited). Called on the receiver's decode loop, at most a few dozen times a second: keep it free of I/O.
/// </summary>
public delegate string? SessionVerifier(ReadOnlySpan<byte> ticket, ReadOnlySpan<byte> seal);

namespace Sync.Transport.Udp;

/// <summary>
/// Signs a session ticket on the outside (see docs/udp-carrier.md): the bytes that name everything a receiver
/// allocates and writes for a session. Returns the seal that travels after the ticket in the announces, for the
/// receivers' <see cref="SessionVerifier"/> to check. Called once per <see cref="UdpSender.SendAsync"/>, on the caller's thread.
/// </summary>
public delegate byte[] SessionSigner(ReadOnlySpan<byte> ticket);

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// One parsed announce: which piece of which sealed ticket it carries (bytes <see cref="Start"/> onwards of the
/// ticket), and where that piece lies in the announce's payload (<see cref="Offset"/>, <see cref="Length"/>).
/// <see cref="TicketId"/> (the first 8 bytes of the sealed ticket's SHA-256) keeps pieces of different tickets apart.
/// </summary>
internal readonly record struct AnnounceFragment(int SealedLength, int SealLength, int Index, int Count, ulong TicketId, int Start, int Offset, int Length);

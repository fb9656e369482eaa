using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What is this? The one way from an announce to a session a receiver may act on. It puts a ticket's pieces
/// together in a bounded <see cref="AnnounceHoldingArea"/>, checks them against the ticket id, parses and bounds-checks
/// the ticket (<see cref="TicketCodec"/>) and has the caller's <see cref="SessionVerifier"/> check the seal. Signature
/// checks are rationed (at most 32 a second, in bursts of as many), since they are the one costly thing a forger can
/// ask for; tickets verified or refused before are recognised by their SHA-256 (1024 of each remembered), so a real
/// sender's repeats cost a hash and a forger's replays cost nothing more. Owned by the decode loop (not thread-safe).
/// </summary>
internal sealed class TicketGate
{
    public const int VerificationsPerSecond = 32;

    private const int HeldTickets = 64;
    private const long HeldBytes = 1 << 20;
    private const int RememberedTickets = 1024;
    private static readonly TimeSpan HeldFor = TimeSpan.FromSeconds(5);

    private readonly SessionVerifier _verifier;
    private readonly TimeProvider _time;
    private readonly AnnounceHoldingArea _holding;
    private readonly BoundedSet<UInt128> _rejected = new(RememberedTickets);
    private readonly BoundedSet<UInt128> _verified = new(RememberedTickets);
    private double _verifications = VerificationsPerSecond;
    private long _verificationsAt;

    public TicketGate(SessionVerifier verifier, TimeProvider time)
    {
        _verifier = verifier;
        _time = time;
        _holding = new AnnounceHoldingArea(HeldTickets, HeldBytes, (long)(HeldFor.TotalSeconds * time.TimestampFrequency));
        _verificationsAt = time.GetTimestamp();
    }

    /// <summary>
    /// The session an announce describes once its whole ticket is in and verified; null while pieces are missing, or
    /// when it was refused (then <paramref name="refused"/> says why). Nothing of the ticket is used before that.
    /// </summary>
    public AnnounceInfo? Pass(in PacketHeader header, ReadOnlySpan<byte> payload, out string? refused)
    {
        refused = null;
        if (!AnnounceCodec.TryParse(payload, out AnnounceFragment fragment))
        {
            refused = "its announce is not one of wire version 2 (damaged, or forged)";
            return null;
        }

        ReadOnlySpan<byte> sealedTicket = payload.Slice(fragment.Offset, fragment.Length);
        if (fragment.Count > 1)
        {
            byte[]? whole = _holding.Add(header.SessionId, fragment, sealedTicket, _time.GetTimestamp());
            if (whole is null)
            {
                return null;
            }

            sealedTicket = whole;
        }

        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(sealedTicket, digest);
        if (BinaryPrimitives.ReadUInt64LittleEndian(digest) != fragment.TicketId)
        {
            refused = "the pieces of its ticket do not add up (damaged, or mixed with forged ones)";
            return null;
        }

        UInt128 key = BinaryPrimitives.ReadUInt128LittleEndian(digest);
        if (_rejected.Contains(key))
        {
            refused = "the same ticket was refused before";
            return null;
        }

        refused = TicketCodec.TryParse(sealedTicket, fragment.SealLength, header.SessionId, header.PayloadLength, out AnnounceInfo info);
        if (refused is not null)
        {
            _rejected.Add(key);
            return null;
        }

        if (!_verified.Contains(key))
        {
            if (!TakeVerification())
            {
                refused = "more session tickets than the receiver verifies a second (a flood?); this one waits for its next announce";
                return null;
            }

            refused = _verifier(TicketCodec.Ticket(sealedTicket, fragment.SealLength), TicketCodec.SealOf(sealedTicket, fragment.SealLength));
            if (refused is not null)
            {
                _rejected.Add(key);
                return null;
            }

            _verified.Add(key);
        }

        return info;
    }

    /// <summary>Drops ticket pieces that waited too long for the rest.</summary>
    public void Expire(long now) => _holding.Expire(now);

    private bool TakeVerification()
    {
        long now = _time.GetTimestamp();
        _verifications = Math.Min(VerificationsPerSecond, _verifications + (double)(now - _verificationsAt) / _time.TimestampFrequency * VerificationsPerSecond);
        _verificationsAt = now;
        if (_verifications < 1)
        {
            return false;
        }

        _verifications--;
        return true;
    }
}

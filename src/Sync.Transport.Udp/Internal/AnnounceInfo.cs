namespace Sync.Transport.Udp.Internal;

/// <summary>
/// What a session ticket tells a receiver about a session: enough to lay out, verify and describe the object. On the
/// receiver it exists only once the ticket's seal was verified (see <see cref="TicketCodec"/>).
/// </summary>
internal sealed record AnnounceInfo(
    ulong SessionId,
    long ObjectLength,
    byte[] Sha256,
    int K,
    int SymbolSize,
    long BlockCount,
    int Passes,
    int RepairPerPass,
    byte[] Descriptor,
    FecCode Code = FecCode.ReedSolomon8,
    int Interleave = 0)
{
    /// <summary>
    /// How the sender lays out passes (<see cref="SymbolSchedule"/>), so the receiver knows how many slots each block
    /// has per pass. The interleave travels only in GF(2^16) tickets, where it decides the repairs of short windows.
    /// </summary>
    public SymbolSchedule Schedule() => new(Layout(), RepairPerPass, Math.Max(1, Interleave));

    public ObjectLayout Layout() => new(ObjectLength, SymbolSize, K, Code);

    /// <summary>Bytes of the object file in the spool: every symbol whole, the last one padded.</summary>
    public long SpoolObjectBytes => checked((ObjectLength + SymbolSize - 1) / SymbolSize * SymbolSize);

    /// <summary>
    /// The first pass's repair count where it is part of the code (GF(2^16): it fixes which field points the repairs
    /// are), else 0: what a spool must agree on besides the cut.
    /// </summary>
    public int CodeRepairPerPass => Code == FecCode.ReedSolomon16 ? RepairPerPass : 0;

    /// <summary>Same object, same cut, same code: a resumed spool may be reused only when this holds.</summary>
    public bool SameObject(AnnounceInfo other) =>
        SessionId == other.SessionId && ObjectLength == other.ObjectLength && K == other.K && Code == other.Code &&
        CodeRepairPerPass == other.CodeRepairPerPass && SymbolSize == other.SymbolSize && BlockCount == other.BlockCount &&
        Sha256.AsSpan().SequenceEqual(other.Sha256);
}

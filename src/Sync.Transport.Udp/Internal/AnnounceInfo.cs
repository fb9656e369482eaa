namespace Sync.Transport.Udp.Internal;

/// <summary>What an announce tells a receiver about a session: enough to lay out, verify and describe the object.</summary>
internal sealed record AnnounceInfo(
    ulong SessionId,
    long ObjectLength,
    byte[] Sha256,
    int K,
    int SymbolSize,
    long BlockCount,
    int Passes,
    int RepairPerPass,
    int Pass,
    byte[] Descriptor)
{
    public ObjectLayout Layout() => new(ObjectLength, SymbolSize, K);

    /// <summary>Same object, same cut: a resumed spool may be reused only when this holds.</summary>
    public bool SameObject(AnnounceInfo other) =>
        SessionId == other.SessionId && ObjectLength == other.ObjectLength && K == other.K &&
        SymbolSize == other.SymbolSize && BlockCount == other.BlockCount && Sha256.AsSpan().SequenceEqual(other.Sha256);
}

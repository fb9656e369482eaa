namespace Sync.Transport.Udp;

/// <summary>An erasure code and its block shape: what <see cref="UdpSendOptions.SmallObjects"/> switches to.</summary>
public sealed record FecShape(FecCode Code, int DataSymbolsPerBlock, double FecOverhead, int Interleave);

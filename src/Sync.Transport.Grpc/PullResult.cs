using Sync.Engine.Outside;

namespace Sync.Transport.Grpc;

/// <summary>How one pull ended: what this inside answered the outside, and the bytes of delta stream it received.</summary>
public sealed record PullResult(InsideAnswer Answer, long BytesReceived);

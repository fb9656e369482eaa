namespace Sync.Transport.Grpc;

/// <summary>
/// Message and window sizes, set deliberately on both ends. Frames stay far below the message limit (chunks are at
/// most 2 MiB, patch and manifest frames about 1 MiB, holdings batches 2 MiB); HTTP/2 flow control over these
/// windows is the backpressure, so memory stays bounded whatever the disk and network speeds.
/// </summary>
public static class GrpcLimits
{
    public const int MaxMessageBytes = 4 << 20;

    /// <summary>Digests per holdings message: 65,536 × 32 bytes = 2 MiB.</summary>
    public const int DigestsPerMessage = 1 << 16;

    public const int StreamWindowBytes = 8 << 20;

    public const int ConnectionWindowBytes = 16 << 20;

    public const int ProtocolVersion = 1;

    /// <summary>Connections a server accepts at once: one sync, a few waiting for it, health probes.</summary>
    public const int MaxConnections = 64;

    /// <summary>Concurrent calls on one connection; an honest peer makes one sync call at a time.</summary>
    public const int MaxStreamsPerConnection = 8;
}

namespace Sync.Transport.Grpc;

/// <summary>
/// Whether a server's agent can do its job now, for the standard gRPC health service: null when it can (SERVING),
/// otherwise one line saying why not (NOT_SERVING). Registered by the agent; a server without one always serves.
/// Called on every health check, from any thread: keep it quick.
/// </summary>
public interface IServingState
{
    string? Problem();
}

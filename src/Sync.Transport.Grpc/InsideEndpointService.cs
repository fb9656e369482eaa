using Grpc.Core;
using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Protocol.V1;

namespace Sync.Transport.Grpc;

/// <summary>The inside served over gRPC (`sync-inside serve`): each Push call is one sync of <see cref="InsideSession"/>.</summary>
/// <remarks>Bound by <see cref="BindService"/> rather than the generated binder, so that Push reads chunks into pooled
/// arrays (<see cref="PooledChunkMessages"/>).</remarks>
[BindServiceMethod(typeof(InsideEndpointService), nameof(BindService))]
internal sealed class InsideEndpointService(InsideSession session, InsideTarget target, ServedCalls calls, ILogger<InsideEndpointService> logger)
    : InsideEndpoint.InsideEndpointBase
{
    public override async Task Push(IAsyncStreamReader<OutsideMessage> requestStream, IServerStreamWriter<InsideMessage> responseStream, ServerCallContext context)
    {
        using var call = calls.Open(context, logger);
        try
        {
            var stream = session.Prefetch(PeerStreams.Server(requestStream, responseStream, call.Peer), call.Token);
            await session.RunAsync(stream, target, new OperationProgress(), call.Token).ConfigureAwait(false);
            await stream.DrainAsync(TimeSpan.FromSeconds(10), call.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not RpcException)
        {
            // Already logged by the session; the caller (if still there) learns the call was cut, not that it succeeded.
            GrpcLog.CallEndedEarly(logger, call.Peer, e.Message);
            throw new RpcException(new Status(StatusCode.Aborted, $"the sync ended early: {e.Message}"));
        }
    }

    /// <summary>
    /// Called by grpc-dotnet when the service is mapped. The handler is found by the method's name among the overrides
    /// of the type of the second parameter, so that parameter is the generated base.
    /// </summary>
    public static void BindService(ServiceBinderBase binder, InsideEndpoint.InsideEndpointBase? service) =>
        binder.AddMethod(PooledChunkMessages.Push, (DuplexStreamingServerMethod<OutsideMessage, InsideMessage>?)null);
}

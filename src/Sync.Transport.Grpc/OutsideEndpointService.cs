using Grpc.Core;
using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Engine.Outside;
using Sync.Protocol.V1;

namespace Sync.Transport.Grpc;

/// <summary>The outside served over gRPC (`sync-outside serve`): each Pull call is one sync of <see cref="OutsideSession"/>.</summary>
internal sealed class OutsideEndpointService(OutsideSession session, OutsideSource source, ServedCalls calls, ILogger<OutsideEndpointService> logger)
    : OutsideEndpoint.OutsideEndpointBase
{
    public override async Task Pull(IAsyncStreamReader<InsideMessage> requestStream, IServerStreamWriter<OutsideMessage> responseStream, ServerCallContext context)
    {
        using var call = calls.Open(context, logger);
        try
        {
            var outcome = await session.RunAsync(PeerStreams.Server(requestStream, responseStream, call.Peer), source, TextWriter.Null, new OperationProgress(), call.Token)
                .ConfigureAwait(false);
            if (outcome is { Status: PublishStatus.NotPublished, Answer: { } answer })
            {
                GrpcLog.SyncToNotPublished(logger, call.Peer, answer.Status, answer.Message);
            }
        }
        catch (SyncException e)
        {
            // One line here; the caller learns why from the status (a busy outside already said so in an abort).
            GrpcLog.SyncToFailed(logger, call.Peer, e.Message);
            throw new RpcException(GrpcErrors.StatusOf(e));
        }
        catch (Exception e) when (e is RpcException or IOException or OperationCanceledException or InvalidOperationException)
        {
            GrpcLog.SyncToCut(logger, call.Peer, e.Message);
        }
    }
}

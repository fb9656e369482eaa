using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Protocol.V1;

namespace Sync.Transport.Grpc;

/// <summary>The outside served over gRPC (`sync-outside serve`): each Pull call is one sync of <see cref="OutsideSession"/>.</summary>
public sealed class OutsideEndpointService : OutsideEndpoint.OutsideEndpointBase
{
    private readonly OutsideSession _session;
    private readonly OutsideSource _source;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<OutsideEndpointService> _logger;
    private readonly SubjectAllowList _allowed;

    public OutsideEndpointService(
        OutsideSession session, OutsideSource source, SubjectAllowList allowed, IHostApplicationLifetime lifetime, ILogger<OutsideEndpointService> logger)
    {
        _allowed = allowed;
        _session = session;
        _source = source;
        _lifetime = lifetime;
        _logger = logger;
    }

    public override async Task Pull(IAsyncStreamReader<InsideMessage> requestStream, IServerStreamWriter<OutsideMessage> responseStream, ServerCallContext context)
    {
        _allowed.Demand(context, _logger);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _lifetime.ApplicationStopping);
        var peer = PeerName.Of(context);
        try
        {
            var result = await _session.RunAsync(PeerStreams.Server(requestStream, responseStream, peer), _source, new OperationProgress(), stop.Token)
                .ConfigureAwait(false);
            if (!result.Published && result.Status != Outcome.Types.Status.NothingNew)
            {
                _logger.LogWarning("Sync to {Peer} not published ({Status}): {Message}", peer, result.Status, result.Message);
            }
        }
        catch (SyncException e)
        {
            // One line here; the caller learns why from the status (a busy outside already said so in an abort).
            _logger.LogWarning("Sync to {Peer} failed: {Reason}", peer, e.Message);
            throw new RpcException(GrpcErrors.StatusOf(e));
        }
        catch (Exception e) when (e is RpcException or IOException or OperationCanceledException or InvalidOperationException)
        {
            _logger.LogWarning("Sync to {Peer} cut: {Reason}", peer, e.Message);
        }
    }
}

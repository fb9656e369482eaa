using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sync.Core;
using Sync.Protocol.V1;

namespace Sync.Transport.Grpc;

/// <summary>The inside served over gRPC (`sync-inside serve`): each Push call is one sync of <see cref="InsideSession"/>.</summary>
public sealed class InsideEndpointService : InsideEndpoint.InsideEndpointBase
{
    private readonly InsideSession _session;
    private readonly InsideTarget _target;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<InsideEndpointService> _logger;
    private readonly SubjectAllowList _allowed;

    public InsideEndpointService(
        InsideSession session, InsideTarget target, SubjectAllowList allowed, IHostApplicationLifetime lifetime, ILogger<InsideEndpointService> logger)
    {
        _allowed = allowed;
        _session = session;
        _target = target;
        _lifetime = lifetime;
        _logger = logger;
    }

    public override async Task Push(IAsyncStreamReader<OutsideMessage> requestStream, IServerStreamWriter<InsideMessage> responseStream, ServerCallContext context)
    {
        _allowed.Demand(context, _logger);
        // Stopping the service abandons an apply that has not started publishing (its data is kept for a resume);
        // one that has is finished by its journal.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _lifetime.ApplicationStopping);
        var peer = PeerName.Of(context);
        try
        {
            var stream = InsideSession.Prefetch(PeerStreams.Server(requestStream, responseStream, peer), stop.Token);
            await _session.RunAsync(stream, _target, new OperationProgress(), stop.Token).ConfigureAwait(false);
            await stream.DrainAsync(TimeSpan.FromSeconds(10), stop.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not RpcException)
        {
            // Already logged by the session; the caller (if still there) learns the call was cut, not that it succeeded.
            _logger.LogDebug("Call from {Peer} ended early: {Reason}", peer, e.Message);
            throw new RpcException(new Status(StatusCode.Aborted, $"the sync ended early: {e.Message}"));
        }
    }
}

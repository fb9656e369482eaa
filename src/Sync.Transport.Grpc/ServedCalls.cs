using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Sync.Transport.Grpc;

/// <summary>
/// How both endpoint services open a call: refuse a client whose certificate the allow list does not admit, name the
/// peer, and give the sync a token that ends with the call or when the service stops. Stopping abandons a sync that
/// has not started publishing (its data is kept for a resume); one that has is finished by its journal.
/// </summary>
internal sealed class ServedCalls(SubjectAllowList allowed, IHostApplicationLifetime lifetime)
{
    public ServedCall Open(ServerCallContext context, ILogger logger)
    {
        allowed.Demand(context, logger);
        return new ServedCall(PeerName.Of(context), CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping));
    }
}

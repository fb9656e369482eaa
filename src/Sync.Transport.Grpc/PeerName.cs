using Grpc.Core;

namespace Sync.Transport.Grpc;

internal static class PeerName
{
    /// <summary>"ipv4:127.0.0.1:5000" as "127.0.0.1:5000", plus the client certificate's subject when there is one.</summary>
    public static string Of(ServerCallContext context)
    {
        var address = context.Peer.StartsWith("ipv4:", StringComparison.Ordinal) || context.Peer.StartsWith("ipv6:", StringComparison.Ordinal)
            ? context.Peer[5..]
            : context.Peer;
        var certificate = context.AuthContext.PeerIdentityPropertyName is null
            ? null
            : context.AuthContext.PeerIdentity.FirstOrDefault()?.Value;
        return certificate is null ? address : $"{address} ({certificate})";
    }
}

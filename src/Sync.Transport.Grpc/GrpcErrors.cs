using Grpc.Core;
using Sync.Core;

namespace Sync.Transport.Grpc;

/// <summary>Turns a failed call into the one-line error an operator can act on.</summary>
public static class GrpcErrors
{
    public static SyncException Describe(RpcException e, string url)
    {
        var detail = Innermost(e).Message;
        return e.StatusCode switch
        {
            StatusCode.Unavailable when detail.Contains("certificate", StringComparison.OrdinalIgnoreCase) || detail.Contains("SSL", StringComparison.Ordinal) =>
                new SyncException(SyncErrorKind.Refused, $"TLS with {url} failed: {detail}"),
            StatusCode.Unavailable => new SyncException(SyncErrorKind.Failure, $"cannot reach {url} or the connection was lost: {detail}"),
            StatusCode.Unimplemented => SyncException.Usage($"{url} does not serve this end of the sync (is it the other agent's serve command?)"),
            StatusCode.ResourceExhausted => SyncException.Refused($"{url} refused a message as too large: {detail}"),
            StatusCode.Cancelled => new SyncException(SyncErrorKind.Failure, $"the sync with {url} was cancelled: {detail}"),
            _ => new SyncException(SyncErrorKind.Failure, $"the sync with {url} failed ({e.StatusCode}): {detail}"),
        };
    }

    private static Exception Innermost(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner == e ? new Exception(((RpcException)e).Status.Detail) : inner;
    }
}

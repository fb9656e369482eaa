using Grpc.Core;
using Sync.Core;

namespace Sync.Transport.Grpc;

/// <summary>Turns a failed call into the one-line error an operator can act on.</summary>
internal static class GrpcErrors
{
    public static SyncException Describe(RpcException e, string url)
    {
        var detail = Innermost(e).Message;
        // The server's own refusal of this client (its subject is not allowed) also names the certificate.
        if (IsTls(e) && e.StatusCode != StatusCode.PermissionDenied)
        {
            return SyncException.Refused($"TLS with {url} failed: {detail}");
        }

        return e.StatusCode switch
        {
            StatusCode.Unavailable => new SyncException(SyncErrorKind.Failure, $"cannot reach {url} or the connection was lost: {detail}"),
            StatusCode.Unimplemented => SyncException.Usage($"{url} does not serve this end of the sync (is it the other agent's serve command?)"),
            StatusCode.ResourceExhausted => SyncException.Refused($"{url} refused what this end sent as too much: {detail}"),
            StatusCode.PermissionDenied => SyncException.Refused($"{url} does not let this client sync: {detail}"),
            StatusCode.DeadlineExceeded => new SyncException(SyncErrorKind.Failure, $"{url} gave up waiting for this end: {detail}"),
            StatusCode.Cancelled => new SyncException(SyncErrorKind.Failure, $"the sync with {url} was cancelled: {detail}"),
            _ => new SyncException(SyncErrorKind.Failure, $"the sync with {url} failed ({e.StatusCode}): {detail}"),
        };
    }

    /// <summary>
    /// The status a server ends a call with when its side of the sync failed: the one the failure names (a limit is
    /// ResourceExhausted, a stalled peer DeadlineExceeded), else one for its kind.
    /// </summary>
    public static Status StatusOf(SyncException e) => e.InnerException is RpcException rpc
        ? rpc.Status
        : new Status(
            e.Kind switch
            {
                SyncErrorKind.Refused => StatusCode.InvalidArgument,
                SyncErrorKind.Busy => StatusCode.Unavailable,
                SyncErrorKind.MissingBase => StatusCode.FailedPrecondition,
                _ => StatusCode.Aborted,
            },
            e.Message);

    private static bool IsTls(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is System.Security.Authentication.AuthenticationException || inner.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return e is RpcException rpc && rpc.Status.Detail.Contains("certificate", StringComparison.OrdinalIgnoreCase);
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

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

        if (ClosedAfterHandshake(e))
        {
            return RefusedAfterHandshake(url);
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
    /// A call that failed outside gRPC's own status (grpc-dotnet throws the handler's exception as it is when a write
    /// of the request stream meets a dead connection): the same refusals as <see cref="Describe"/>, else a lost link.
    /// </summary>
    public static SyncException DescribeLost(Exception e, string url)
    {
        if (ClosedAfterHandshake(e))
        {
            return RefusedAfterHandshake(url);
        }

        return IsTls(e)
            ? SyncException.Refused($"TLS with {url} failed: {Innermost(e).Message}")
            : new SyncException(SyncErrorKind.Failure, $"the connection to {url} was lost: {e.Message}");
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

    // TLS 1.3 finishes the client's handshake before the server has judged the client's certificate: a refusal reaches
    // the client only as a stream closed under it, before HTTP/2 starts.
    private static SyncException RefusedAfterHandshake(string url) => SyncException.Refused(
        $"TLS with {url} failed: the server closed the connection right after the handshake, as a server does that refused this client's certificate (none given, not issued by its --client-ca, or without the clientAuth extended key usage; or it does not speak HTTP/2); the server's log names the reason");

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

    /// <summary>
    /// The TLS stream was closed by the server before HTTP/2 began: seen either as the stream disposed under the
    /// client's first write, or as SocketsHttpHandler's "did not complete the HTTP/2 handshake" (an IOException, or
    /// an HttpRequestException when the call was still being set up; it has no type of its own).
    /// </summary>
    private static bool ClosedAfterHandshake(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is ObjectDisposedException { ObjectName: { } name } && name.EndsWith(nameof(System.Net.Security.SslStream), StringComparison.Ordinal))
            {
                return true;
            }

            if (inner is IOException or HttpRequestException && inner.Message.Contains("did not complete the HTTP/2 handshake", StringComparison.Ordinal))
            {
                return true;
            }
        }

        return e is RpcException rpc && rpc.Status.Detail.Contains("did not complete the HTTP/2 handshake", StringComparison.Ordinal);
    }

    private static Exception Innermost(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        return inner == e && e is RpcException rpc ? new Exception(rpc.Status.Detail) : inner;
    }
}

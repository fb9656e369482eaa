using System.Security.Authentication;
using Grpc.Core;
using Sync.Core;
using Sync.Transport.Grpc;

namespace Sync.Integration.Tests;

/// <summary>
/// The one line a failed call becomes (no processes). A server that refuses the client's certificate closes the TLS
/// stream before HTTP/2 starts; depending on when the client notices, that arrives as a gRPC status or as the
/// handler's own exception (CI met the second on a loaded machine): both must say the certificate was refused.
/// </summary>
public sealed class GrpcErrorsTests
{
    private const string Url = "https://127.0.0.1:7443";
    private const string NoHandshake = "An HTTP/2 connection could not be established because the server did not complete the HTTP/2 handshake.";

    public static TheoryData<Exception> ClosedRightAfterTheHandshake => new()
    {
        new HttpIOException(HttpRequestError.InvalidResponse, NoHandshake),
        new HttpRequestException(HttpRequestError.InvalidResponse, NoHandshake),
        new HttpRequestException("An error occurred while sending the request.", new HttpIOException(HttpRequestError.InvalidResponse, NoHandshake)),
        new ObjectDisposedException("System.Net.Security.SslStream"),
    };

    [Theory]
    [MemberData(nameof(ClosedRightAfterTheHandshake))]
    public void A_connection_closed_right_after_the_handshake_is_a_refused_certificate_however_it_arrives(Exception closed)
    {
        foreach (var error in new[] { GrpcErrors.DescribeLost(closed, Url), GrpcErrors.Describe(new RpcException(new Status(StatusCode.Unavailable, "Error starting gRPC call.", closed)), Url) })
        {
            Assert.Equal(SyncErrorKind.Refused, error.Kind);
            Assert.StartsWith($"TLS with {Url} failed: the server closed the connection right after the handshake", error.Message, StringComparison.Ordinal);
            Assert.Contains("refused this client's certificate", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_failed_tls_handshake_is_refused_with_its_reason()
    {
        var error = GrpcErrors.DescribeLost(
            new HttpRequestException("The SSL connection could not be established, see inner exception.", new AuthenticationException("The remote certificate is invalid: UntrustedRoot")),
            Url);

        Assert.Equal(SyncErrorKind.Refused, error.Kind);
        Assert.Equal($"TLS with {Url} failed: The remote certificate is invalid: UntrustedRoot", error.Message);
    }

    [Fact]
    public void Any_other_broken_connection_is_a_lost_link_not_a_refusal()
    {
        var error = GrpcErrors.DescribeLost(new IOException("Connection reset by peer"), Url);

        Assert.Equal(SyncErrorKind.Failure, error.Kind);
        Assert.Equal($"the connection to {Url} was lost: Connection reset by peer", error.Message);
    }
}

using Grpc.Core;
using Sync.Protocol.V1;
using Sync.Transport.Grpc;

namespace Sync.Attacks;

/// <summary>
/// A puller that says what it holds and never says it is done (issue 9, item 6): empty `Holdings` messages without
/// `last`, up to <c>--messages</c>, against `sync-outside serve`. Prints how the server ended the call (and after how
/// many messages); a server that reads them all and still waits has no bound.
/// </summary>
internal static class HoldingsFlood
{
    public static async Task<int> RunAsync(Arguments options)
    {
        var limit = options.Number("--messages", 200_000);
        using var channel = GrpcClient.Create(options.Required("--url"), TlsSettings.None);
        using var call = new OutsideEndpoint.OutsideEndpointClient(channel).Pull();
        var sent = 0L;
        try
        {
            for (; sent < limit; sent++)
            {
                await call.RequestStream.WriteAsync(new InsideMessage { Holdings = new Holdings { Last = false } });
            }
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // The server ended the call while we were still claiming: its status says how.
        }

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (await call.ResponseStream.MoveNext(patience.Token))
            {
            }

            Console.WriteLine($"status OK after {sent} holdings messages: the server answered an endless claim");
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !patience.IsCancellationRequested)
        {
            Console.WriteLine($"status {e.StatusCode} after {sent} holdings messages: {e.Status.Detail}");
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException)
        {
            Console.WriteLine($"status none after {sent} holdings messages: the server still waits for more");
        }

        return 0;
    }
}

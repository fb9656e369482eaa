using System.Net;
using System.Net.Sockets;

namespace Sync.Integration.Tests.Infrastructure;

/// <summary>
/// A loopback TCP relay that accepts a client's connection at once but forwards nothing, either way, until
/// <see cref="Release"/>: a test can have a real client dial (its process started, its scan done, its bytes
/// written) and then let them reach the server at the very instant it chooses, within a millisecond or so.
/// </summary>
public sealed class HeldTcpRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly TaskCompletionSource _accepted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _relay;

    public HeldTcpRelay(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _relay = RelayOneAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Completes when a client has connected (and is being held).</summary>
    public Task Accepted => _accepted.Task;

    public void Release() => _released.TrySetResult();

    private async Task RelayOneAsync()
    {
        try
        {
            using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _accepted.TrySetResult();
            await _released.Task.WaitAsync(_stop.Token);
            using var server = new TcpClient { NoDelay = true };
            client.NoDelay = true;
            await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            var up = PumpAsync(client.GetStream(), server.GetStream());
            var down = PumpAsync(server.GetStream(), client.GetStream());
            await Task.WhenAny(up, down);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
        {
            // The test is over, or one side closed.
        }
    }

    private async Task PumpAsync(Stream from, Stream to)
    {
        var buffer = new byte[64 << 10];
        int read;
        while ((read = await from.ReadAsync(buffer, _stop.Token)) > 0)
        {
            await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _relay.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException)
        {
        }

        _stop.Dispose();
    }
}

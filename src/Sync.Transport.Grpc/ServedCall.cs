namespace Sync.Transport.Grpc;

/// <summary>One admitted call: who it is from, and the token its sync runs under (disposed with the call).</summary>
internal sealed class ServedCall(string peer, CancellationTokenSource stop) : IDisposable
{
    public string Peer { get; } = peer;

    public CancellationToken Token => stop.Token;

    public void Dispose() => stop.Dispose();
}

using Grpc.Core;

namespace Sync.Transport.Grpc;

/// <summary>Adapters from the two gRPC call shapes to <see cref="IPeerStream{TSend, TReceive}"/>.</summary>
internal static class PeerStreams
{
    public static IPeerStream<TSend, TReceive> Server<TSend, TReceive>(
        IAsyncStreamReader<TReceive> requests, IServerStreamWriter<TSend> responses, string peer)
        where TReceive : class => new StreamPair<TSend, TReceive>(requests, responses.WriteAsync, peer);

    public static IPeerStream<TSend, TReceive> Client<TSend, TReceive>(AsyncDuplexStreamingCall<TSend, TReceive> call, string peer)
        where TReceive : class => new StreamPair<TSend, TReceive>(call.ResponseStream, call.RequestStream.WriteAsync, peer);

    private sealed class StreamPair<TSend, TReceive> : IPeerStream<TSend, TReceive>
        where TReceive : class
    {
        private readonly IAsyncStreamReader<TReceive> _reader;
        private readonly Func<TSend, CancellationToken, Task> _write;

        public StreamPair(IAsyncStreamReader<TReceive> reader, Func<TSend, CancellationToken, Task> write, string peer)
        {
            _reader = reader;
            _write = write;
            Peer = peer;
        }

        public string Peer { get; }

        public Task SendAsync(TSend message, CancellationToken cancellationToken) => _write(message, cancellationToken);

        public async Task<TReceive?> ReceiveAsync(CancellationToken cancellationToken) =>
            await _reader.MoveNext(cancellationToken).ConfigureAwait(false) ? _reader.Current : null;
    }
}

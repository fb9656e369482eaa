using Google.Protobuf;
using Sync.Transport.Grpc;

namespace Sync.Fuzz.Targets;

/// <summary>
/// The other end of a gRPC sync, played from fuzz input: each message is a 4-byte length then its protobuf bytes,
/// decoded as the gRPC framework would (the message size limit first, then the method's deserializer: the generated
/// parser, or the inside's <see cref="PooledChunkMessages"/>). A message the framework would refuse ends the call, as
/// a cut link does. What the session sends is counted and dropped.
/// </summary>
internal sealed class ScriptedPeer<TSend, TReceive>(ReadOnlyMemory<byte> script, Func<ReadOnlyMemory<byte>, TReceive> decode) : IPeerStream<TSend, TReceive>
    where TReceive : class, IMessage<TReceive>
{
    private InputCursor _cursor = new(script);

    public string Peer => "fuzz peer";

    public int Sent { get; private set; }

    public Task SendAsync(TSend message, CancellationToken cancellationToken)
    {
        Sent++;
        return Task.CompletedTask;
    }

    public Task<TReceive?> ReceiveAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_cursor.IsEmpty)
        {
            return Task.FromResult<TReceive?>(null);
        }

        var bytes = _cursor.ReadPiece32();
        if (bytes.Length > GrpcLimits.MaxMessageBytes)
        {
            return Task.FromResult<TReceive?>(null);
        }

        try
        {
            return Task.FromResult<TReceive?>(decode(bytes));
        }
        catch (InvalidProtocolBufferException)
        {
            // Grpc.AspNetCore fails the call on a message it cannot deserialize: the session sees the stream end.
            _cursor = new InputCursor(ReadOnlyMemory<byte>.Empty);
            return Task.FromResult<TReceive?>(null);
        }
    }
}

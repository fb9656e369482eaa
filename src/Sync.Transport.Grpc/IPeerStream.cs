namespace Sync.Transport.Grpc;

/// <summary>
/// One side's view of the bidirectional stream, the same whichever side dialled: the session logic runs unchanged
/// over a server call (push to an inside, pull from an outside) or a client call.
/// </summary>
internal interface IPeerStream<in TSend, TReceive>
    where TReceive : class
{
    /// <summary>Who is at the other end, for messages and logs.</summary>
    string Peer { get; }

    Task SendAsync(TSend message, CancellationToken cancellationToken);

    /// <summary>The next message, or null when the other side closed its half of the stream.</summary>
    Task<TReceive?> ReceiveAsync(CancellationToken cancellationToken);
}

using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Sync.Transport.Udp.Internal;

/// <summary>
/// One object's send, set up by <see cref="UdpSender"/> and not started: <see cref="StartProducing"/> encodes its first
/// windows early (while the previous part of a stream is still on the wire), <see cref="RunAsync"/> sends it. Disposing
/// one that never ran stops its encoder; disposing always closes its socket.
/// </summary>
internal sealed class PreparedSend(SendSession session, Socket socket, ulong sessionId, ILogger logger) : IAsyncDisposable
{
    private bool _ran;

    public ulong SessionId => sessionId;

    public void StartProducing(CancellationToken cancellationToken) => session.StartProducing(cancellationToken);

    public async Task<UdpSendReport> RunAsync(CancellationToken cancellationToken)
    {
        _ran = true;
        UdpSendReport report = await session.RunAsync(cancellationToken).ConfigureAwait(false);
        UdpLog.SendFinished(logger, sessionId, report.Packets, report.WireBytes, report.Elapsed, report.AchievedBitsPerSecond);
        return report;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_ran)
        {
            await session.AbandonAsync().ConfigureAwait(false);
        }

        socket.Dispose();
    }
}

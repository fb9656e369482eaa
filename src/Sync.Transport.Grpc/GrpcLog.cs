using Microsoft.Extensions.Logging;
using Sync.Engine.Outside;
using Sync.Protocol.V1;

namespace Sync.Transport.Grpc;

/// <summary>Every log message of the gRPC carrier, with stable event ids (7200-7299; docs/architecture.md#logging).</summary>
internal static partial class GrpcLog
{
    // The server and who may call it: 7200-7209.
    [LoggerMessage(7200, LogLevel.Warning, "The server certificate ({Subject}) lacks the serverAuth extended key usage: clients that check it with --tls-ca refuse it (--tls-pin accepts it)")]
    public static partial void ServerCertificateWithoutServerAuth(ILogger logger, string subject);

    [LoggerMessage(7201, LogLevel.Warning, "Anyone who can reach {Endpoint} may connect without a client certificate (--allow-anonymous): they learn what this agent holds and can keep it busy")]
    public static partial void AnonymousClientsAdmitted(ILogger logger, System.Net.IPEndPoint endpoint);

    [LoggerMessage(7202, LogLevel.Warning, "Refused a client certificate ({Subject}): {Problem}")]
    public static partial void ClientCertificateRefused(ILogger logger, string subject, string problem);

    [LoggerMessage(7203, LogLevel.Warning, "Refused {Peer}: its certificate's subject {Subject} is not allowed (--allow-subject)")]
    public static partial void SubjectNotAllowed(ILogger logger, string peer, string subject);

    [LoggerMessage(7210, LogLevel.Information, "Sync with {Peer} waited {Waited:F2} s for the previous one to end and started {Latency:F1} ms after it did")]
    public static partial void WaitedForPreviousSync(ILogger logger, string peer, double waited, double latency);

    // The inside's session: 7220-7239.
    [LoggerMessage(7220, LogLevel.Debug, "Call from {Peer} ended early: {Reason}")]
    public static partial void CallEndedEarly(ILogger logger, string peer, string reason);

    [LoggerMessage(7221, LogLevel.Warning, "Sync from {Peer} cut after {Bytes} bytes: {Reason}; what arrived is kept for a resume")]
    public static partial void SyncFromCut(ILogger logger, string peer, long bytes, string reason);

    [LoggerMessage(7222, LogLevel.Debug, "Sync from {Peer} ended before any data: {Reason}")]
    public static partial void SyncFromEndedBeforeData(ILogger logger, string peer, string reason);

    [LoggerMessage(7223, LogLevel.Information, "Published generation {Generation} from {Peer}: {Bytes} bytes received in {Seconds:F1} s ({Rate:F1} MiB/s)")]
    public static partial void PublishedFrom(ILogger logger, ulong generation, string peer, long bytes, double seconds, double rate);

    [LoggerMessage(7224, LogLevel.Warning, "Sync from {Peer} not published ({Status}): {Message}")]
    public static partial void SyncFromNotPublished(ILogger logger, string peer, Outcome.Types.Status status, string message);

    // The same line as 7224 where the puller already says why in its own line.
    [LoggerMessage(7227, LogLevel.Debug, "Sync from {Peer} not published ({Status}): {Message}")]
    public static partial void SyncFromNotPublishedToldByPuller(ILogger logger, string peer, Outcome.Types.Status status, string message);

    [LoggerMessage(7225, LogLevel.Information, "Resuming: {Bytes} bytes kept from a cut transfer ({Contents} contents, {Chunks} chunks)")]
    public static partial void Resuming(ILogger logger, long bytes, int contents, int chunks);

    [LoggerMessage(7226, LogLevel.Debug, "Could not send the outcome to {Peer}: {Reason}")]
    public static partial void OutcomeNotSent(ILogger logger, string peer, string reason);

    // The outside's session: 7240-7259.
    [LoggerMessage(7240, LogLevel.Information, "Generation {Generation} published by {Peer}: {Bytes} bytes sent in {Seconds:F1} s ({Rate:F1} MiB/s)")]
    public static partial void PublishedBy(ILogger logger, long generation, string peer, long bytes, double seconds, double rate);

    [LoggerMessage(7241, LogLevel.Debug, "Could not tell {Peer} we gave up: {Reason}")]
    public static partial void GiveUpNotTold(ILogger logger, string peer, string reason);

    [LoggerMessage(7242, LogLevel.Warning, "Sync to {Peer} not published ({Status}): {Message}")]
    public static partial void SyncToNotPublished(ILogger logger, string peer, InsideAnswerStatus status, string message);

    [LoggerMessage(7243, LogLevel.Warning, "Sync to {Peer} failed: {Reason}")]
    public static partial void SyncToFailed(ILogger logger, string peer, string reason);

    [LoggerMessage(7244, LogLevel.Warning, "Sync to {Peer} cut: {Reason}")]
    public static partial void SyncToCut(ILogger logger, string peer, string reason);

    [LoggerMessage(7245, LogLevel.Warning, "The inside publishes generation {Generation} (manifest {Digest}), which this outside has no record of; sending a full generation")]
    public static partial void InsideGenerationUnknown(ILogger logger, long generation, string digest);

    [LoggerMessage(7246, LogLevel.Information, "{Peer} kept {Contents} contents and {Chunks} chunks from a cut transfer; they are not sent again")]
    public static partial void PeerKeptHoldings(ILogger logger, string peer, int contents, int chunks);
}

using Microsoft.Extensions.Logging;

namespace Sync.Transport.Udp.Internal;

/// <summary>Every log message of the UDP carrier, with stable event ids (7100-7199).</summary>
internal static partial class UdpLog
{
    [LoggerMessage(7100, LogLevel.Information, "UDP send of session {SessionId:x16} to {Destination}: {Length} bytes in {Blocks} blocks of k={K} + {Repair} repair per pass ({Code}), interleave {Interleave}, {Passes} passes at {Rate} bit/s, {DatagramSize}-byte datagrams")]
    public static partial void SendStarting(ILogger logger, ulong sessionId, string destination, long length, long blocks, int k, int repair, string code, int interleave, int passes, long rate, int datagramSize);

    [LoggerMessage(7101, LogLevel.Information, "UDP send of session {SessionId:x16} done: {Packets} packets, {WireBytes} wire bytes in {Elapsed}, {Rate:F0} bit/s achieved")]
    public static partial void SendFinished(ILogger logger, ulong sessionId, long packets, long wireBytes, TimeSpan elapsed, double rate);

    [LoggerMessage(7103, LogLevel.Information, "UDP send of session {SessionId:x16}: transmission started (first packet out after {Setup:F3} s of setup)")]
    public static partial void TransmissionStarted(ILogger logger, ulong sessionId, double setup);

    [LoggerMessage(7102, LogLevel.Warning, "UDP send error {Error} ({Count} so far); the packet is lost, the send goes on")]
    public static partial void SendError(ILogger logger, string error, long count);

    [LoggerMessage(7110, LogLevel.Information, "UDP receive on {Bind} (group {Group}): socket buffer asked {Requested} bytes, kernel granted {Granted} bytes ({How})")]
    public static partial void ReceiveBuffer(ILogger logger, string bind, string group, int requested, int granted, string how);

    [LoggerMessage(7111, LogLevel.Warning, "UDP receive buffer clamped to {Granted} bytes (asked {Requested}): bursts will overflow it; run as root (SO_RCVBUFFORCE) or raise net.core.rmem_max")]
    public static partial void ReceiveBufferClamped(ILogger logger, int requested, int granted);

    [LoggerMessage(7112, LogLevel.Information, "UDP session {SessionId:x16}: {Length} bytes, {Blocks} blocks, k={K} ({Code}), symbol {SymbolSize} bytes; {BlocksDone} blocks already held")]
    public static partial void SessionOpened(ILogger logger, ulong sessionId, long length, long blocks, int k, string code, int symbolSize, long blocksDone);

    [LoggerMessage(7125, LogLevel.Information, "UDP session {SessionId:x16}: {Symbols} symbols that came before its announce were stored")]
    public static partial void EarlySymbolsStored(ILogger logger, ulong sessionId, long symbols);

    [LoggerMessage(7113, LogLevel.Information, "UDP session {SessionId:x16} not wanted; its packets are ignored")]
    public static partial void SessionUnwanted(ILogger logger, ulong sessionId);

    [LoggerMessage(7114, LogLevel.Information, "UDP session {SessionId:x16} complete and checksummed: {Length} bytes at {Path}")]
    public static partial void SessionComplete(ILogger logger, ulong sessionId, long length, string path);

    [LoggerMessage(7115, LogLevel.Error, "UDP session {SessionId:x16}: object SHA-256 does not match the announce; all its blocks are discarded and collected again")]
    public static partial void HashMismatch(ILogger logger, ulong sessionId);

    [LoggerMessage(7116, LogLevel.Information, "UDP session {SessionId:x16} finished: {Disposition}")]
    public static partial void SessionFinished(ILogger logger, ulong sessionId, string disposition);

    [LoggerMessage(7117, LogLevel.Error, "UDP session {SessionId:x16}: handing the object over failed; it stays spooled and is offered again later")]
    public static partial void CompletionFailed(ILogger logger, Exception exception, ulong sessionId);

    [LoggerMessage(7118, LogLevel.Information, "UDP receive: {Report}")]
    public static partial void Report(ILogger logger, string report);

    [LoggerMessage(7119, LogLevel.Warning, "UDP session {SessionId:x16}: block {Block} could not be decoded ({Reason}); it stays pending")]
    public static partial void DecodeFailed(ILogger logger, ulong sessionId, long block, string reason);

    [LoggerMessage(7120, LogLevel.Warning, "UDP receive error {Error}; receiving goes on")]
    public static partial void ReceiveError(ILogger logger, string error);

    [LoggerMessage(7121, LogLevel.Warning, "UDP spool of session {SessionId:x16} does not match its announce (another object under the same id); starting it afresh")]
    public static partial void SpoolMismatch(ILogger logger, ulong sessionId);

    [LoggerMessage(7122, LogLevel.Warning, "UDP session {SessionId:x16}: checkpoint failed; the whole resume state is written again at the next one")]
    public static partial void CheckpointFailed(ILogger logger, Exception exception, ulong sessionId);

    [LoggerMessage(7124, LogLevel.Warning, "UDP session {SessionId:x16}: incomplete spool received nothing for {Days:F1} days; deleted")]
    public static partial void SpoolExpired(ILogger logger, ulong sessionId, double days);

    [LoggerMessage(7123, LogLevel.Error, "UDP session {SessionId:x16}: its spool could not be opened; trying again at its next announce")]
    public static partial void SessionOpenFailed(ILogger logger, Exception exception, ulong sessionId);

    [LoggerMessage(7126, LogLevel.Warning, "UDP announce of session {SessionId:x16} rejected: {Reason} ({Suppressed} more rejected announces since the last such line; see the report's counters)")]
    public static partial void AnnounceRejected(ILogger logger, ulong sessionId, string reason, long suppressed);

    [LoggerMessage(7127, LogLevel.Error, "UDP receive: handling a packet of session {SessionId:x16} failed ({Error}); the packet is dropped and the receiver goes on ({Suppressed} more since the last such line)")]
    public static partial void Fault(ILogger logger, ulong sessionId, string error, long suppressed);

    [LoggerMessage(7128, LogLevel.Debug, "UDP receive: the failure handling a packet of session {SessionId:x16}")]
    public static partial void FaultDetail(ILogger logger, Exception exception, ulong sessionId);

    [LoggerMessage(7129, LogLevel.Warning, "UDP packets of wire version {Version} are arriving, and this receiver speaks version {Ours}: {Advice} ({Count} such packets so far, dropped)")]
    public static partial void ForeignVersion(ILogger logger, int version, int ours, string advice, long count);

    [LoggerMessage(7130, LogLevel.Warning, "UDP session {SessionId:x16} ({Length} bytes) is not collected: {Reason}; it is tried again in {Retry} s ({Suppressed} more since the last such line)")]
    public static partial void SessionNotAdmitted(ILogger logger, ulong sessionId, long length, string reason, double retry, long suppressed);

    [LoggerMessage(7131, LogLevel.Information, "UDP session {SessionId:x16} closed to make room for session {For:x16} (it was the least recently active; its spool stays and it resumes at its next announce; {Suppressed} more since the last such line)")]
    public static partial void SessionEvicted(ILogger logger, ulong sessionId, ulong @for, long suppressed);

    [LoggerMessage(7132, LogLevel.Warning, "UDP receive: {Count} more of kind {Kind} in the last {Seconds:F0} s were not logged one by one (see the report's counters)")]
    public static partial void Suppressed(ILogger logger, long count, string kind, double seconds);

    [LoggerMessage(7133, LogLevel.Information, "UDP spool {Directory}: budget {Budget} bytes ({Used} in use), keeping {KeepFree} bytes of its file system free")]
    public static partial void SpoolBudget(ILogger logger, string directory, long budget, long used, long keepFree);

    [LoggerMessage(7140, LogLevel.Debug, "Carousel stopped after {Rounds} round(s)")]
    public static partial void CarouselStopped(ILogger logger, int rounds);

    // What the inside's UDP service decided about an announced session (ignored, refused, collected to wait): the
    // level depends on the case, the text is told once per stream.
    [LoggerMessage(EventId = 7141, Message = "{Message}")]
    public static partial void SessionVerdict(ILogger logger, LogLevel level, string message);
}

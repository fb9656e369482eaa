using Microsoft.Extensions.Logging;

namespace Sync.Engine;

/// <summary>Every log message of the engine, with stable event ids (7400-7499).</summary>
internal static partial class EngineLog
{
    [LoggerMessage(7400, LogLevel.Warning, "{Note}")]
    public static partial void RecoveryNote(ILogger logger, string note);

    [LoggerMessage(7401, LogLevel.Debug, "Generation {Generation} is the base of the next delta ({Policy})")]
    public static partial void Committed(ILogger logger, long generation, string policy);

    [LoggerMessage(7402, LogLevel.Debug, "Generation {Generation} was never visible: abandoned, its number stays used")]
    public static partial void Abandoned(ILogger logger, long generation);

    [LoggerMessage(7403, LogLevel.Debug, "Generation {Generation} is not committed: the inside answered {Status}")]
    public static partial void NotCommitted(ILogger logger, long generation, string status);

    [LoggerMessage(7404, LogLevel.Information, "Generation {Generation} planned: {Changed} changed files, {PayloadBytes} payload bytes to emit")]
    public static partial void Planned(ILogger logger, long generation, long changed, long payloadBytes);

    [LoggerMessage(7420, LogLevel.Information, "Applied {What}: generation {Generation}")]
    public static partial void Applied(ILogger logger, string what, long generation);

    [LoggerMessage(7421, LogLevel.Warning, "{Message}")]
    public static partial void Refused(ILogger logger, string message);

    [LoggerMessage(7422, LogLevel.Error, "Could not apply {What}: {Reason}; it is kept and tried again")]
    public static partial void KeptAfterFailure(ILogger logger, string what, string reason);

    [LoggerMessage(7423, LogLevel.Warning, "Could not write the status ({Reason}); the next run writes it again")]
    public static partial void StatusNotWritten(ILogger logger, string reason);
}

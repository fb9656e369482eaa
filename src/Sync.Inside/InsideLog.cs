using Microsoft.Extensions.Logging;
using Sync.Engine.Outside;

namespace Sync.Inside;

/// <summary>Every log message of the inside agent itself, with stable event ids (7700-7799; docs/architecture.md#logging).</summary>
internal static partial class InsideLog
{
    [LoggerMessage(7700, LogLevel.Information, "Serving {Target} on {Endpoint} ({Security})")]
    public static partial void Serving(ILogger logger, string target, System.Net.IPEndPoint endpoint, string security);

    [LoggerMessage(7701, LogLevel.Information, "Pulling from {Url} every {Interval}")]
    public static partial void Pulling(ILogger logger, string url, TimeSpan interval);

    [LoggerMessage(7702, LogLevel.Information, "Generation {Generation} is current")]
    public static partial void Current(ILogger logger, long generation);

    [LoggerMessage(7703, LogLevel.Warning, "Pull from {Url} failed: {Reason}")]
    public static partial void PullFailed(ILogger logger, string url, string reason);

    [LoggerMessage(7704, LogLevel.Warning, "Pull from {Url} not published ({Status}): {Message}")]
    public static partial void PullNotPublished(ILogger logger, string url, InsideAnswerStatus status, string message);
}

using Microsoft.Extensions.Logging;

namespace Sync.Outside;

/// <summary>Every log message of the outside agent itself, with stable event ids (7600-7699; docs/architecture.md#logging).</summary>
internal static partial class OutsideLog
{
    [LoggerMessage(7600, LogLevel.Information, "Serving {Source} on {Endpoint} ({Security})")]
    public static partial void Serving(ILogger logger, string source, System.Net.IPEndPoint endpoint, string security);
}

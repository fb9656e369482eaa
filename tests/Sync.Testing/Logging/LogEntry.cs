using Microsoft.Extensions.Logging;

namespace Sync.Testing.Logging;

/// <summary>One line the code under test logged, already formatted.</summary>
public sealed record LogEntry(string Category, LogLevel Level, EventId EventId, string Message, Exception? Exception)
{
    public override string ToString() =>
        $"{Level} [{Category}] {Message}{(Exception is null ? "" : $" ({Exception.GetType().Name}: {Exception.Message})")}";
}

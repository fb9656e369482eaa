namespace Sync.Testing.Logging;

/// <summary>The code under test logged errors the test did not say it expects.</summary>
public sealed class UnexpectedLogErrorException(IReadOnlyList<LogEntry> entries)
    : Exception($"the code logged {entries.Count} error(s) the test did not expect:{Environment.NewLine}{string.Join(Environment.NewLine, entries)}")
{
    public IReadOnlyList<LogEntry> Entries { get; } = entries;
}

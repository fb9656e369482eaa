using Microsoft.Extensions.Logging;

namespace Sync.Testing.Logging;

/// <summary>
/// Records what the code under test logs and fails the test when it logged an error nobody expected: a test names the
/// errors it provokes with <see cref="ExpectError"/>; any other Error or Critical entry makes <see cref="Dispose"/>
/// throw with the entries, so a failure the code only logged (and a NullLogger would have hidden) is seen.
/// </summary>
public sealed class LogScope : ILoggerProvider
{
    private readonly Lock _gate = new();
    private readonly List<LogEntry> _entries = [];
    private readonly List<string> _expected = [];
    private bool _verified;

    /// <summary>A logger of the category "test", for code that takes an <see cref="ILogger"/>.</summary>
    public ILogger Logger => CreateLogger("test");

    /// <summary>Everything logged so far, in order.</summary>
    public IReadOnlyList<LogEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Allows Error and Critical entries whose message contains <paramref name="fragment"/> (ordinal).</summary>
    public LogScope ExpectError(string fragment)
    {
        ArgumentException.ThrowIfNullOrEmpty(fragment);
        lock (_gate)
        {
            _expected.Add(fragment);
        }

        return this;
    }

    public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

    /// <summary>The Error and Critical entries no <see cref="ExpectError"/> allows.</summary>
    public IReadOnlyList<LogEntry> UnexpectedErrors()
    {
        lock (_gate)
        {
            return _entries.Where(e => e.Level >= LogLevel.Error && !_expected.Any(x => e.Message.Contains(x, StringComparison.Ordinal))).ToList();
        }
    }

    /// <summary>Throws when an error nobody expected was logged. Safe to call more than once.</summary>
    public void Verify()
    {
        var unexpected = UnexpectedErrors();
        _verified = true;
        if (unexpected.Count > 0)
        {
            throw new UnexpectedLogErrorException(unexpected);
        }
    }

    /// <summary>Verifies, unless the test already did.</summary>
    public void Dispose()
    {
        if (!_verified)
        {
            Verify();
        }
    }

    private void Add(LogEntry entry)
    {
        lock (_gate)
        {
            _entries.Add(entry);
        }
    }

    private sealed class Recorder(LogScope scope, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                scope.Add(new LogEntry(category, logLevel, eventId, formatter(state, exception), exception));
            }
        }
    }
}

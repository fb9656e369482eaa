using System.Globalization;
using Serilog.Events;
using Serilog.Formatting;

namespace Sync.Hosting;

/// <summary>
/// Text for journald: each line of an event (an exception's too) starts with its syslog priority, <c>&lt;3&gt;</c> for
/// errors, <c>&lt;4&gt;</c> warnings, <c>&lt;6&gt;</c> information, <c>&lt;7&gt;</c> debug, so <c>journalctl -p warning</c>
/// finds it. No timestamp: the journal records its own.
/// </summary>
internal sealed class JournaldFormatter(ITextFormatter inner) : ITextFormatter
{
    public void Format(LogEvent logEvent, TextWriter output)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        inner.Format(logEvent, text);
        WritePrefixed(Priority(logEvent.Level), text.ToString(), output);
    }

    public static int Priority(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => 2,
        LogEventLevel.Error => 3,
        LogEventLevel.Warning => 4,
        LogEventLevel.Information => 6,
        _ => 7,
    };

    /// <summary>Writes every line of <paramref name="text"/> with the prefix, one newline after each.</summary>
    public static void WritePrefixed(int priority, string text, TextWriter output)
    {
        var prefix = string.Create(CultureInfo.InvariantCulture, $"<{priority}>");
        foreach (var line in text.AsSpan().TrimEnd("\r\n").EnumerateLines())
        {
            output.Write(prefix);
            output.Write(line);
            output.Write('\n');
        }
    }
}

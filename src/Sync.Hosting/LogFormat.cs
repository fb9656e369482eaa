namespace Sync.Hosting;

/// <summary>How an agent writes its log lines (and its one-line errors) to stderr: <c>--log-format</c>.</summary>
public enum LogFormat
{
    /// <summary>Time, level and message, for a person at a terminal or a file.</summary>
    Text,

    /// <summary>One CLEF object per line (Serilog.Formatting.Compact), for a log shipper.</summary>
    Json,

    /// <summary>Text with a syslog priority prefix (<c>&lt;4&gt;</c>) on every line, which journald turns into the entry's priority.</summary>
    Journald,
}

using System.CommandLine;
using Serilog;
using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Compact;
using Serilog.Formatting.Display;
using Serilog.Parsing;

namespace Sync.Hosting;

/// <summary>
/// What is this? The one place that decides how an agent's stderr looks: <c>--log-format text|json|journald</c>, a
/// recursive option of the root command, so every command has it (and its config-file key) without naming it. Without
/// the option, text becomes journald when stderr is the journal (<see cref="JournalStream"/>): the shipped units then need
/// nothing, and a command run by hand from a shell inside a service's environment still writes plain text. The format
/// is read once, after parsing and before any command runs, and fixed for the process: the hosts' Serilog sink and
/// <see cref="CommandRunner.Fail"/> both follow it, so a json consumer never meets a line that is not JSON.
/// </summary>
public static class LogOutput
{
    private const string TextTemplate = "{Timestamp:HH:mm:ss} {Level:u3} {Message:lj}{NewLine}{Exception}";
    private const string JournaldTemplate = "{Level:u3} {Message:lj}{NewLine}{Exception}";
    private static readonly MessageTemplate FailureTemplate = new MessageTemplateParser().Parse("{Agent}: error: {Reason}");
    private static LogFormat? _current;

    public static Option<string?> Option { get; } = CreateOption();

    /// <summary>The format of this process: the option's, else journald under the journal, else text.</summary>
    public static LogFormat Current => _current ??= Detect();

    /// <summary>Adds the option to <paramref name="root"/> (and so to every command under it).</summary>
    public static void AddTo(Command root)
    {
        if (!root.Options.Contains(Option))
        {
            root.Options.Add(Option);
        }
    }

    /// <summary>Fixes the format from a parsed command line; a usage error leaves the detected one.</summary>
    public static void Use(ParseResult result)
    {
        _current = result.Errors.Count == 0 && result.GetValue(Option) is { } given ? Parse(given) : Detect();
    }

    public static LogFormat Parse(string value) => value switch
    {
        "text" => LogFormat.Text,
        "json" => LogFormat.Json,
        "journald" => LogFormat.Journald,
        _ => throw new ArgumentException($"unknown log format '{value}'", nameof(value)),
    };

    /// <summary>Serilog's sink: everything on stderr, in the process's format.</summary>
    public static LoggerConfiguration WriteTo(LoggerConfiguration configuration) =>
        configuration.WriteTo.Console(Formatter(Current), standardErrorFromLevel: LogEventLevel.Verbose);

    /// <summary>
    /// A command's one-line error: "AGENT: error: REASON" as text, with the <c>&lt;3&gt;</c> prefix under journald, and as
    /// a CLEF object at level Error (properties Agent and Reason) in json.
    /// </summary>
    public static void WriteFailure(TextWriter output, string agentName, string message) => WriteFailure(Current, output, agentName, message);

    internal static void WriteFailure(LogFormat format, TextWriter output, string agentName, string message)
    {
        var reason = message.ReplaceLineEndings(" ");
        switch (format)
        {
            case LogFormat.Json:
                var failure = new LogEvent(
                    AgentHost.Clock.GetLocalNow(), LogEventLevel.Error, null, FailureTemplate,
                    [new LogEventProperty("Agent", new ScalarValue(agentName)), new LogEventProperty("Reason", new ScalarValue(reason))]);
                new CompactJsonFormatter().Format(failure, output);
                break;
            case LogFormat.Journald:
                JournaldFormatter.WritePrefixed(JournaldFormatter.Priority(LogEventLevel.Error), $"{agentName}: error: {reason}", output);
                break;
            default:
                output.WriteLine($"{agentName}: error: {reason}");
                break;
        }

        output.Flush();
    }

    internal static ITextFormatter Formatter(LogFormat format) => format switch
    {
        LogFormat.Json => new CompactJsonFormatter(),
        LogFormat.Journald => new JournaldFormatter(new MessageTemplateTextFormatter(JournaldTemplate)),
        _ => new MessageTemplateTextFormatter(TextTemplate),
    };

    private static LogFormat Detect() => JournalStream.IsStdErr() ? LogFormat.Journald : LogFormat.Text;

    private static Option<string?> CreateOption()
    {
        var option = new Option<string?>("--log-format")
        {
            Description = "How stderr is written: text, json (one CLEF object per line) or journald (text with syslog priority prefixes). Default: journald when stderr is the systemd journal, else text.",
            Recursive = true,
        };
        option.AcceptOnlyFromAmong("text", "json", "journald");
        return option;
    }
}

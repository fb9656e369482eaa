using System.Globalization;
using System.Text.Json;
using Serilog.Events;
using Serilog.Parsing;

namespace Sync.Hosting.Tests;

/// <summary>The three stderr formats, and when stderr counts as the journal; no process is started.</summary>
public sealed class LogOutputTests
{
    [Theory]
    [InlineData("2049:1234", true)]
    [InlineData("2049:1235", false)]
    [InlineData("2048:1234", false)]
    [InlineData("2049", false)]
    [InlineData(":1234", false)]
    [InlineData("2049:1234:5", false)]
    [InlineData("-1:1234", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void JOURNAL_STREAM_counts_only_when_it_names_stderr_exactly(string? value, bool matches)
    {
        Assert.Equal(matches, JournalStream.Matches(value, (2049UL, 1234UL)));
        Assert.False(JournalStream.Matches(value, null));
    }

    [Fact]
    public void Stderr_has_an_identity_to_compare_with()
    {
        Assert.NotNull(JournalStream.StdErrIdentity());
    }

    [Theory]
    [InlineData(LogEventLevel.Fatal, "<2>")]
    [InlineData(LogEventLevel.Error, "<3>")]
    [InlineData(LogEventLevel.Warning, "<4>")]
    [InlineData(LogEventLevel.Information, "<6>")]
    [InlineData(LogEventLevel.Debug, "<7>")]
    [InlineData(LogEventLevel.Verbose, "<7>")]
    public void Journald_lines_carry_the_syslog_priority_of_their_level_on_every_line(LogEventLevel level, string prefix)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        LogOutput.Formatter(LogFormat.Journald).Format(Event(level, "first\nsecond"), output);

        Assert.Equal([$"{prefix}{Abbreviation(level)} first", $"{prefix}second"], output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Json_lines_are_CLEF()
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        LogOutput.Formatter(LogFormat.Json).Format(Event(LogEventLevel.Warning, "disk nearly full"), output);

        var line = Assert.Single(output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var clef = JsonDocument.Parse(line).RootElement;
        Assert.Equal("Warning", clef.GetProperty("@l").GetString());
        Assert.Equal("disk nearly full", clef.GetProperty("@mt").GetString());
        Assert.True(clef.TryGetProperty("@t", out _));
    }

    [Fact]
    public void A_commands_error_is_one_line_in_each_format()
    {
        Assert.Equal("sync-inside: error: no such state a b\n", Failure(LogFormat.Text, "no such state a\nb"));
        Assert.Equal("<3>sync-inside: error: no such state a b\n", Failure(LogFormat.Journald, "no such state a\nb"));

        var json = Failure(LogFormat.Json, "no such state a\nb");
        Assert.EndsWith("\n", json, StringComparison.Ordinal);
        var clef = JsonDocument.Parse(json.TrimEnd('\n')).RootElement;
        Assert.Equal("Error", clef.GetProperty("@l").GetString());
        Assert.Equal("{Agent}: error: {Reason}", clef.GetProperty("@mt").GetString());
        Assert.Equal("sync-inside", clef.GetProperty("Agent").GetString());
        Assert.Equal("no such state a b", clef.GetProperty("Reason").GetString());
    }

    [Theory]
    [InlineData("text", LogFormat.Text)]
    [InlineData("json", LogFormat.Json)]
    [InlineData("journald", LogFormat.Journald)]
    public void The_option_names_each_format(string value, LogFormat format) => Assert.Equal(format, LogOutput.Parse(value));

    private static string Failure(LogFormat format, string message)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        LogOutput.WriteFailure(format, output, "sync-inside", message);
        return output.ToString();
    }

    private static LogEvent Event(LogEventLevel level, string text) =>
        new(DateTimeOffset.UnixEpoch, level, null, new MessageTemplateParser().Parse(text), []);

    private static string Abbreviation(LogEventLevel level) => level switch
    {
        LogEventLevel.Fatal => "FTL",
        LogEventLevel.Error => "ERR",
        LogEventLevel.Warning => "WRN",
        LogEventLevel.Information => "INF",
        LogEventLevel.Debug => "DBG",
        _ => "VRB",
    };
}

using System.Text.RegularExpressions;
using Sync.Integration.Tests.Infrastructure;
using Sync.Testing.FileSystem;

namespace Sync.Integration.Tests.Architecture;

/// <summary>
/// Stable event ids in every assembly (issue 12): each log line under src/ is a <c>[LoggerMessage]</c> method of the
/// assembly's <c>*Log</c> class, with a literal event id that no other message uses and that lies in the range
/// docs/architecture.md#logging gives the assembly. The sources are read rather than the built assemblies, so the
/// check needs no build of the agents and names the file and line of each offence.
/// </summary>
public sealed partial class LoggerMessageTests
{
    [Fact]
    public void Every_log_line_under_src_is_a_logger_message_with_an_id_of_its_own_in_its_assembly_range()
    {
        var source = Path.Combine(RepoPaths.Root, "src");
        var ranges = Ranges(File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "architecture.md")));
        Assert.NotEmpty(ranges);

        var problems = Check(source, ranges);

        Assert.True(problems.Count == 0, $"{problems.Count} logging problem(s) under src/:\n  " + string.Join("\n  ", problems));
    }

    [Fact]
    public void The_check_finds_the_ids_in_src_and_the_documented_ranges()
    {
        var ranges = Ranges(File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "architecture.md")));
        var ids = Messages(Path.Combine(RepoPaths.Root, "src")).ToList();

        // Both attribute forms are read: positional (EngineLog) and named (UdpLog's level-taking message).
        Assert.Contains(ids, m => m.Id == 7400 && m.Project == "Sync.Engine");
        Assert.Contains(ids, m => m.Id == 7141 && m.Project == "Sync.Transport.Udp");
        Assert.Equal((7000, 7099), ranges["Sync.Core"]);
        Assert.Equal((7100, 7199), ranges["Sync.Transport.Udp"]);
        Assert.Equal((7400, 7499), ranges["Sync.Engine"]);
    }

    [Fact]
    public void The_check_names_each_kind_of_offence_with_its_file()
    {
        using var temp = new TempDirectory();
        var core = temp.CreateSubdirectory("Sync.Core");
        var other = temp.CreateSubdirectory("Sync.Other");
        var unlisted = temp.CreateSubdirectory("Sync.Unlisted");
        File.WriteAllText(Path.Combine(core, "CoreLog.cs"), """
            internal static partial class CoreLog
            {
                [LoggerMessage(7000, LogLevel.Warning, "One {Path}")]
                public static partial void One(ILogger logger, string path);

                [LoggerMessage(EventId = 7001, Level = LogLevel.Debug, Message = "Two (kept)")]
                public static partial void Two(ILogger logger);

                [LoggerMessage(Level = LogLevel.Debug, Message = "No id")]
                public static partial void NoId(ILogger logger);

                [LoggerMessage(7150, LogLevel.Debug, "Out of range")]
                public static partial void OutOfRange(ILogger logger);
            }
            """);
        File.WriteAllText(Path.Combine(core, "Scanner.cs"), """
            // A comment may say _logger.LogWarning("...") without counting.
            internal sealed class Scanner(ILogger logger)
            {
                public void Scan(string path)
                {
                    logger.LogWarning("Skipping {Path}", path);
                    logger
                        .LogDebug("Split over lines");
                    logger.Log(LogLevel.Error, "Any level");
                    double d = Math.Log(2);
                }
            }
            """);
        File.WriteAllText(Path.Combine(other, "OtherLog.cs"), """
            internal static partial class OtherLog
            {
                [LoggerMessage(7001, LogLevel.Information, "Same id as Core's")]
                public static partial void Clash(ILogger logger);
            }
            """);
        File.WriteAllText(Path.Combine(unlisted, "Quiet.cs"), "internal static class Quiet;");
        var built = Directory.CreateDirectory(Path.Combine(core, "obj", "Release")).FullName;
        File.WriteAllText(Path.Combine(built, "Generated.cs"), """logger.LogInformation("generated code is not ours");""");
        var ranges = Ranges("""
            ## Logging

            | assembly | event ids | class |
            |---|---|---|
            | `Sync.Core` | 7000-7099 | `CoreLog` |
            | `Sync.Other` | 7100-7199 | `OtherLog` |
            """);

        var problems = Check(temp.Path, ranges);

        var scanner = Path.Combine("Sync.Core", "Scanner.cs");
        var coreLog = Path.Combine("Sync.Core", "CoreLog.cs");
        string[] expected =
            [
                $"{coreLog}:9: [LoggerMessage] without a literal event id",
                $"{coreLog}:12: event id 7150 is outside Sync.Core's range 7000-7099",
                $"{Path.Combine("Sync.Other", "OtherLog.cs")}:3: event id 7001 is outside Sync.Other's range 7100-7199",
                $"{scanner}:6: direct LogWarning( call: declare it in the assembly's *Log class",
                $"{scanner}:8: direct LogDebug( call: declare it in the assembly's *Log class",
                $"{scanner}:9: direct .Log(LogLevel call: declare it in the assembly's *Log class",
                $"event id 7001 is used twice: {coreLog}:6 and {Path.Combine("Sync.Other", "OtherLog.cs")}:3",
                "Sync.Unlisted has no event id range in docs/architecture.md#logging",
            ];
        Assert.Equal(expected, problems);
    }

    private static List<string> Check(string source, IReadOnlyDictionary<string, (int First, int Last)> ranges)
    {
        var problems = new List<string>();
        var messages = Messages(source).ToList();
        foreach (var message in messages)
        {
            if (message.Id is not { } id)
            {
                problems.Add($"{message.Where}: [LoggerMessage] without a literal event id");
            }
            else if (ranges.TryGetValue(message.Project, out var range) && (id < range.First || id > range.Last))
            {
                problems.Add($"{message.Where}: event id {id} is outside {message.Project}'s range {range.First}-{range.Last}");
            }
        }

        problems.AddRange(DirectCalls(source));
        problems.AddRange(messages
            .Where(m => m.Id is not null)
            .GroupBy(m => m.Id)
            .Where(g => g.Count() > 1)
            .Select(g => $"event id {g.Key} is used twice: {string.Join(" and ", g.Select(m => m.Where))}"));
        problems.AddRange(Directory.EnumerateDirectories(source)
            .Select(Path.GetFileName)
            .Where(project => !ranges.ContainsKey(project!))
            .Order(StringComparer.Ordinal)
            .Select(project => $"{project} has no event id range in docs/architecture.md#logging"));
        return problems;
    }

    private sealed record Message(string Project, string Where, int? Id);

    /// <summary>Every <c>[LoggerMessage]</c> attribute under <paramref name="source"/>, with its id when it is a literal.</summary>
    private static IEnumerable<Message> Messages(string source)
    {
        foreach (var file in SourceFiles(source))
        {
            var relative = Path.GetRelativePath(source, file);
            var project = relative.Split(Path.DirectorySeparatorChar)[0];
            var text = File.ReadAllText(file);
            foreach (Match attribute in LoggerMessageAttribute().Matches(text))
            {
                var arguments = attribute.Groups["args"].Value;
                var literal = PositionalId().Match(arguments) is { Success: true } positional ? positional
                    : NamedId().Match(arguments);
                yield return new Message(project, $"{relative}:{LineOf(text, attribute.Index)}",
                    literal.Success ? int.Parse(literal.Groups["id"].Value, System.Globalization.CultureInfo.InvariantCulture) : null);
            }
        }
    }

    /// <summary>The logging calls outside the <c>*Log</c> classes, one line each; comment lines do not count.</summary>
    private static IEnumerable<string> DirectCalls(string source)
    {
        foreach (var file in SourceFiles(source).Where(f => !Path.GetFileNameWithoutExtension(f).EndsWith("Log", StringComparison.Ordinal)))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var trimmed = lines[i].TrimStart();
                if (trimmed.StartsWith("//", StringComparison.Ordinal) || trimmed.StartsWith('*'))
                {
                    continue;
                }

                foreach (Match call in DirectCall().Matches(lines[i]))
                {
                    yield return $"{Path.GetRelativePath(source, file)}:{i + 1}: direct {call.Value.Replace(" ", "", StringComparison.Ordinal)} call: declare it in the assembly's *Log class";
                }
            }
        }
    }

    /// <summary>The ranges of the table under "## Logging": assembly name to first and last id.</summary>
    private static Dictionary<string, (int First, int Last)> Ranges(string markdown)
    {
        var section = markdown[markdown.IndexOf("## Logging", StringComparison.Ordinal)..];
        var next = section.IndexOf("\n## ", StringComparison.Ordinal);
        section = next < 0 ? section : section[..next];
        return RangeRow().Matches(section).ToDictionary(
            m => m.Groups["project"].Value,
            m => (int.Parse(m.Groups["first"].Value, System.Globalization.CultureInfo.InvariantCulture),
                int.Parse(m.Groups["last"].Value, System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static int LineOf(string text, int index) => text.AsSpan(0, index).Count('\n') + 1;

    private static IEnumerable<string> SourceFiles(string root) =>
        Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(file => !Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar).Any(part => part is "obj" or "bin"))
            .Order(StringComparer.Ordinal);

    // The attribute up to the ")]" that closes it; message texts never hold that pair.
    [GeneratedRegex(@"\[LoggerMessage\s*\((?<args>.*?)\)\s*\]", RegexOptions.Singleline)]
    private static partial Regex LoggerMessageAttribute();

    [GeneratedRegex(@"^\s*(?<id>\d+)\s*,")]
    private static partial Regex PositionalId();

    [GeneratedRegex(@"\bEventId\s*=\s*(?<id>\d+)\b")]
    private static partial Regex NamedId();

    [GeneratedRegex(@"\bLog(?:Information|Warning|Error|Debug|Trace|Critical)\s*\(|\.Log\s*\(\s*LogLevel|\bLoggerMessage\s*\.\s*Define")]
    private static partial Regex DirectCall();

    [GeneratedRegex(@"^\|\s*`(?<project>Sync\.[\w.]+)`\s*\|\s*(?<first>\d+)-(?<last>\d+)\s*\|", RegexOptions.Multiline)]
    private static partial Regex RangeRow();
}

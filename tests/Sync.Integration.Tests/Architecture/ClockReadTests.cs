using System.Text.RegularExpressions;
using Sync.Integration.Tests.Infrastructure;
using Sync.Testing.FileSystem;

namespace Sync.Integration.Tests.Architecture;

/// <summary>
/// Every clock, delay and timer goes through the host's <see cref="TimeProvider"/> (issue 12), so a test can drive time
/// with a fake one: no wall-clock or stopwatch read, no delay, deadline or timer without a clock argument, and the real
/// clock named in one place only (the composition root). The scan reads the code of every .cs file under src/ with its
/// comments removed; the few reads that truly must stay are listed in <see cref="Allowed"/> with the reason.
/// </summary>
public sealed partial class ClockReadTests
{
    /// <summary>(file under src/, rule) pairs that stay, each with why.</summary>
    private static readonly Dictionary<(string File, string Rule), string> Allowed = new()
    {
        [(Path.Combine("Sync.Hosting", "AgentHost.cs"), "TimeProvider.System")] =
            "the composition root: the one place an agent names the real clock; everything else takes it from the host",
        [(Path.Combine("Sync.Transport.Udp", "Internal", "PacedWait.cs"), "Thread.Sleep")] =
            "the pacer's wait on its own send thread: when to send is read from the TimeProvider, the sleep only gives the core away",
        [(Path.Combine("Sync.Transport.Udp", "Internal", "ReceiveLoop.cs"), "Thread.Sleep")] =
            "spaces socket reads on the receive thread so datagrams gather into one batch; no decision depends on how long it took",
    };

    [Fact]
    public void No_code_under_src_reads_a_clock_past_the_time_provider()
    {
        var source = Path.Combine(RepoPaths.Root, "src");
        var found = Scan(source);
        var unexpected = found.Where(f => !Allowed.ContainsKey((f.File, f.Rule))).ToList();

        Assert.True(unexpected.Count == 0,
            $"{unexpected.Count} clock read(s) bypass TimeProvider; take the host's TimeProvider (GetTimestamp/GetElapsedTime, " +
            "Task.Delay(span, time, ct), new CancellationTokenSource(span, time), new PeriodicTimer(span, time)):\n" +
            string.Join('\n', unexpected.Select(f => $"  {f.File}:{f.Line}: {f.Rule}")));

        // An entry that no longer matches anything is stale: drop it, so the list stays the short truth.
        var stale = Allowed.Keys.Where(key => !found.Any(f => (f.File, f.Rule) == key)).ToList();
        Assert.True(stale.Count == 0, "stale allow-list entries: " + string.Join(", ", stale));
    }

    [Fact]
    public void The_check_flags_each_kind_of_read_and_passes_calls_that_take_the_clock()
    {
        using var temp = new TempDirectory();
        var project = temp.CreateSubdirectory("Sync.Example");
        File.WriteAllText(Path.Combine(project, "Bad.cs"), """
            class Bad
            {
                async Task Run(CancellationToken token)
                {
                    var now = DateTimeOffset.UtcNow;
                    var local = DateTime.Now;
                    var watch = System.Diagnostics.Stopwatch.StartNew();
                    var ticks = Environment.TickCount64;
                    await Task.Delay(TimeSpan.FromSeconds(1), token);
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                    cts.CancelAfter(10);
                    using var timer = new PeriodicTimer(
                        TimeSpan.FromMilliseconds(250));
                    var clock = TimeProvider.System;
                    Thread.Sleep(1);
                    using var old = new Timer(_ => { }, null, 0, 1000);
                }
            }
            """);
        File.WriteAllText(Path.Combine(project, "Good.cs"), """
            class Good(TimeProvider _time)
            {
                // DateTime.UtcNow in a comment is not a read.
                async Task Run(TimeProvider time, CancellationToken token)
                {
                    var now = _time.GetUtcNow();
                    var started = time.GetTimestamp();
                    await Task.Delay(TimeSpan.FromSeconds(1), time, token);
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5), _time);
                    using var plain = new CancellationTokenSource();
                    using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250), time);
                    var text = "DateTime.Now // in a string";
                    var parsed = DateTime.TryParseExact(text, "r", null, default, out _);
                }
            }
            """);
        var generated = Directory.CreateDirectory(Path.Combine(project, "obj")).FullName;
        File.WriteAllText(Path.Combine(generated, "Generated.cs"), "class G { object N => DateTime.UtcNow; }");

        var found = Scan(temp.Path);

        Assert.All(found, f => Assert.Equal(Path.Combine("Sync.Example", "Bad.cs"), f.File));
        Assert.Equal(
            ["DateTime(Offset).Now", "DateTime(Offset).Now", "Stopwatch", "Environment.TickCount", "Task.Delay without a clock",
                "CancellationTokenSource without a clock", "CancelAfter", "PeriodicTimer without a clock", "TimeProvider.System",
                "Thread.Sleep", "Timer"],
            found.Select(f => f.Rule));
        Assert.Equal([5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16], found.Select(f => f.Line));
    }

    private sealed record Finding(string File, int Line, string Rule);

    /// <summary>Plain reads, flagged wherever they appear.</summary>
    private static readonly (string Rule, Regex Pattern)[] Reads =
    [
        ("DateTime(Offset).Now", WallClock()),
        ("Stopwatch", StopwatchUse()),
        ("Environment.TickCount", TickCount()),
        ("TimeProvider.System", SystemClock()),
        ("CancelAfter", CancelAfter()),
        ("Thread.Sleep", ThreadSleep()),
        ("Timer", ThreadingTimer()),
    ];

    /// <summary>Calls that are fine with a clock among their arguments (with no arguments at all, for a token source).</summary>
    private static readonly (string Rule, Regex Call, bool EmptyIsFine)[] NeedsClock =
    [
        ("Task.Delay without a clock", TaskDelay(), false),
        ("CancellationTokenSource without a clock", NewTokenSource(), true),
        ("PeriodicTimer without a clock", NewPeriodicTimer(), false),
    ];

    private static List<Finding> Scan(string root)
    {
        var findings = new List<Finding>();
        foreach (var (relative, code) in SourceScan.CodeFiles(root))
        {
            var hits = new List<(int Index, string Rule)>();
            foreach (var (rule, pattern) in Reads)
            {
                hits.AddRange(pattern.Matches(code).Select(m => (m.Index, rule)));
            }

            foreach (var (rule, call, emptyIsFine) in NeedsClock)
            {
                foreach (Match match in call.Matches(code))
                {
                    var arguments = Arguments(code, match.Index + match.Length);
                    if (!(arguments.Count == 0 && emptyIsFine) && !arguments.Any(IsClock))
                    {
                        hits.Add((match.Index, rule));
                    }
                }
            }

            findings.AddRange(hits.OrderBy(h => h.Index).Select(h => new Finding(relative, SourceScan.LineOf(code, h.Index), h.Rule)));
        }

        return findings;
    }

    /// <summary>An argument that hands over a clock: a variable or member named like one, or the host's.</summary>
    private static bool IsClock(string argument) => ClockArgument().IsMatch(argument);

    /// <summary>The top-level arguments of the call whose '(' ends just before <paramref name="start"/>.</summary>
    private static List<string> Arguments(string code, int start)
    {
        var arguments = new List<string>();
        var depth = 0;
        var from = start;
        for (var i = start; i < code.Length; i++)
        {
            switch (code[i])
            {
                case '(' or '[' or '{':
                    depth++;
                    break;
                case ')' or ']' or '}' when depth > 0:
                    depth--;
                    break;
                case ')':
                    var last = code[from..i].Trim();
                    if (last.Length > 0 || arguments.Count > 0)
                    {
                        arguments.Add(last);
                    }

                    return arguments;
                case ',' when depth == 0:
                    arguments.Add(code[from..i].Trim());
                    from = i + 1;
                    break;
            }
        }

        return arguments;
    }

    [GeneratedRegex(@"\bDateTime(Offset)?\s*\.\s*(Now|UtcNow|Today)\b")]
    private static partial Regex WallClock();

    [GeneratedRegex(@"\bStopwatch\b")]
    private static partial Regex StopwatchUse();

    [GeneratedRegex(@"\bEnvironment\s*\.\s*TickCount(64)?\b")]
    private static partial Regex TickCount();

    [GeneratedRegex(@"\bTimeProvider\s*\.\s*System\b")]
    private static partial Regex SystemClock();

    [GeneratedRegex(@"\.\s*CancelAfter\s*\(")]
    private static partial Regex CancelAfter();

    [GeneratedRegex(@"\bThread\s*\.\s*Sleep\s*\(")]
    private static partial Regex ThreadSleep();

    [GeneratedRegex(@"\bnew\s+(System\.Threading\.|System\.Timers\.)?Timer\s*\(")]
    private static partial Regex ThreadingTimer();

    [GeneratedRegex(@"\bTask\s*\.\s*Delay\s*\(")]
    private static partial Regex TaskDelay();

    [GeneratedRegex(@"\bnew\s+CancellationTokenSource\s*\(")]
    private static partial Regex NewTokenSource();

    [GeneratedRegex(@"\bnew\s+PeriodicTimer\s*\(")]
    private static partial Regex NewPeriodicTimer();

    [GeneratedRegex(@"^(_?time|_?timeProvider|_?clock|[\w.]*\.Time\(\)|[\w.]*\.Clock)$")]
    private static partial Regex ClockArgument();
}

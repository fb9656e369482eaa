using System.Text.Json;
using Sync.Integration.Tests.Infrastructure;
using Sync.Testing.FileSystem;

namespace Sync.Integration.Tests;

/// <summary>--log-format of the real agents: CLEF for json, syslog priority prefixes under journald (explicit or detected).</summary>
public sealed class LogFormatTests
{
    [Fact]
    public async Task Json_format_writes_one_CLEF_object_per_stderr_line_logs_and_the_error_alike()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "a", [1, 2, 3]);
        await Run.Ok(pair.Export());
        // A verbose import logs at debug; a second one with no drop folder fails with its one line.
        var logged = await Run.Ok(pair.Import("--verbose", "--log-format", "json"));
        var failed = await Run.Inside("import", "--drop", pair.Dir("missing"), "--target", pair.Target, "--state", pair.InsideState,
            "--trust", pair.Key + ".pub", "--log-format", "json");
        Assert.Equal(2, failed.ExitCode);

        var events = Lines(logged.Stderr).Concat(Lines(failed.Stderr)).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        Assert.True(events.Count >= 2, logged.ToString());
        Assert.All(events, e =>
        {
            Assert.True(e.TryGetProperty("@t", out var t) && DateTimeOffset.TryParse(t.GetString(), out _), e.ToString());
            Assert.True(e.TryGetProperty("@mt", out _), e.ToString());
        });
        Assert.Contains(events, e => e.TryGetProperty("@l", out var l) && l.GetString() == "Debug");
        // Each of the product's messages carries its stable event id (docs/architecture.md#logging) and keeps its
        // template and property names.
        var receiving = Assert.Single(events, e => e.GetProperty("@mt").GetString() == "Receiving {What}, signed by trusted key {Key}");
        Assert.Equal(7050, receiving.GetProperty("EventId").GetProperty("Id").GetInt32());
        Assert.Equal("Receiving", receiving.GetProperty("EventId").GetProperty("Name").GetString());
        Assert.Equal("generation 1", receiving.GetProperty("What").GetString());
        var error = events[^1];
        Assert.Equal("Error", error.GetProperty("@l").GetString());
        Assert.Equal("sync-inside", error.GetProperty("Agent").GetString());
        Assert.Contains("does not exist", error.GetProperty("Reason").GetString());
    }

    [Fact]
    public async Task Journald_format_prefixes_every_line_with_its_priority()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "a", [1, 2, 3]);
        await Run.Ok(pair.Export());
        var logged = await Run.Ok(pair.Import("--verbose", "--log-format", "journald"));
        Assert.NotEmpty(Lines(logged.Stderr));
        Assert.All(Lines(logged.Stderr), line => Assert.Matches("^<[2-7]>", line));
        Assert.Contains(Lines(logged.Stderr), line => line.StartsWith("<7>", StringComparison.Ordinal));

        var failed = await Run.Outside("status", "--state", pair.Dir("missing"), "--log-format", "journald");
        Assert.Equal(2, failed.ExitCode);
        Assert.Equal("<3>sync-outside: error: state directory '" + pair.Dir("missing") + "' does not exist", Assert.Single(Lines(failed.Stderr)));
    }

    [Fact]
    public async Task Stderr_that_is_the_journal_stream_gets_prefixes_without_the_option_and_other_stderr_does_not()
    {
        using var dir = new TempDirectory();
        var stderr = dir.Combine("stderr");
        var missing = dir.Combine("missing");
        // As systemd does: JOURNAL_STREAM names the device and inode of the stream stderr is connected to.
        var journal = await Run.Process("bash",
        [
            "-c", "exec 2>\"$1\"; JOURNAL_STREAM=$(stat -L -c %d:%i /dev/stderr) exec dotnet \"$2\" status --state \"$3\"",
            "sh", stderr, RepoPaths.AgentDll("sync-inside"), missing,
        ]);
        Assert.Equal(2, journal.ExitCode);
        Assert.Equal($"<3>sync-inside: error: state directory '{missing}' does not exist", File.ReadAllText(stderr).TrimEnd('\n'));

        // Inherited from a unit but pointing elsewhere (stderr redirected by a script): plain text.
        var elsewhere = await Run.Agent("sync-inside", ["status", "--state", missing], new Dictionary<string, string> { ["JOURNAL_STREAM"] = "1:2" });
        Assert.Equal(2, elsewhere.ExitCode);
        Assert.StartsWith("sync-inside: error:", elsewhere.Stderr, StringComparison.Ordinal);

        // An explicit --log-format text wins over the detection.
        var text = await Run.Process("bash",
        [
            "-c", "exec 2>\"$1\"; JOURNAL_STREAM=$(stat -L -c %d:%i /dev/stderr) exec dotnet \"$2\" status --state \"$3\" --log-format text",
            "sh", stderr, RepoPaths.AgentDll("sync-inside"), missing,
        ]);
        Assert.Equal(2, text.ExitCode);
        Assert.StartsWith("sync-inside: error:", File.ReadAllText(stderr), StringComparison.Ordinal);
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
}

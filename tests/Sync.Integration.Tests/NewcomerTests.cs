using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// Issue 11, what a newcomer tripped over: each test runs the real agents the way a first-time operator would and
/// fails on what the issue describes.
/// </summary>
public sealed class NewcomerTests
{
    [Fact]
    public async Task A_volume_size_below_the_minimum_is_a_usage_error_before_the_scan()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "pool/a.deb", TreeBuilder.RandomBytes(200_000, 1));

        var export = await pair.Export("--volume-size", "1K");

        Assert.Equal(2, export.ExitCode);
        Assert.Equal(
            "sync-outside: error: --volume-size: volume size '1K' (1024 bytes) is below the minimum of 65536 bytes (64 KiB)",
            export.Stderr.Trim());
        Assert.False(Directory.Exists(pair.OutsideState), "the source was scanned before the volume size was refused");
    }

    [Fact]
    public async Task A_dvd_volume_gives_parts_a_dvd_holds_and_the_help_says_which_units_are_which()
    {
        var help = await Run.Outside("export", "--help");
        Assert.Contains("decimal 4.7GB/650MB", help.Stdout.ReplaceLineEndings(" "));
        Assert.Contains("bare 4G, 650M are binary", help.Stdout.ReplaceLineEndings(" "));

        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "pool/a.deb", TreeBuilder.RandomBytes(100_000, 2));
        await Run.Ok(pair.Export("--volume-size", "dvd"));
        await Run.Ok(pair.Import());
    }

    [Fact]
    public async Task A_missing_parent_of_the_target_is_one_line_and_nothing_is_staged()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "pool/a.deb", TreeBuilder.RandomBytes(100_000, 3));
        await Run.Ok(pair.Export());
        var target = Path.Combine(pair.Dir("missing"), "published");

        var import = await Run.Inside("import", "--drop", pair.Drop, "--target", target, "--state", pair.InsideState, "--trust", pair.Key + ".pub", "--quiet");

        Assert.Equal(2, import.ExitCode);
        Assert.Equal($"sync-inside: error: the directory holding target '{target}' does not exist; create it first", import.Stderr.Trim());
        Assert.Equal(["inside.lock", "manifests"], Directory.EnumerateFileSystemEntries(pair.InsideState).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(pair.InsideState, "manifests")));
    }

    [Theory]
    [InlineData("sync-outside", "improt", "unknown command 'improt'; the commands are keygen, export, scan, status, push, serve, send, carousel, fec-plan, config-example")]
    [InlineData("sync-outside", "exprot", "unknown command 'exprot'; did you mean 'export'?")]
    [InlineData("sync-inside", "improt", "unknown command 'improt'; did you mean 'import'?")]
    [InlineData("sync-inside", "stauts", "unknown command 'stauts'; did you mean 'status'?")]
    [InlineData("sync-inside", "frobnicate", "unknown command 'frobnicate'; the commands are import, verify, status, repair, serve, pull, receive, config-example")]
    public async Task A_mistyped_command_is_named_with_the_closest_one(string agent, string word, string expected)
    {
        var run = await Run.Agent(agent, [word, "--state", "/nonexistent"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Equal($"{agent}: error: {expected} (see '{agent} --help')", run.Stderr.Trim());
    }

    [Fact]
    public async Task An_empty_drop_folder_on_an_inside_that_never_imported_is_not_success()
    {
        using var pair = await SyncPair.CreateAsync();

        var empty = await pair.Import();

        Assert.Equal(4, empty.ExitCode);
        Assert.Equal(
            $"sync-inside: error: drop folder '{pair.Drop}' holds no bundle and nothing was ever imported here: is the medium mounted? (a bundle's index is written last)",
            empty.Stderr.Trim());

        // Once something is published, an empty folder is simply "nothing new".
        TreeBuilder.Write(pair.Source, "pool/a.deb", TreeBuilder.RandomBytes(100_000, 4));
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());
        foreach (var file in Directory.GetFiles(pair.Drop))
        {
            File.Delete(file);
        }

        Assert.Contains("no new generation applied", (await Run.Ok(pair.Import())).Stdout);
    }

    [Fact]
    public async Task A_second_serve_on_the_same_state_is_refused_as_busy_on_both_agents()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "pool/a.deb", TreeBuilder.RandomBytes(100_000, 5));
        Directory.CreateDirectory(Path.GetDirectoryName(pair.Target)!);

        var (inside, _) = await pair.ServeInsideAsync();
        await using (inside)
        {
            var second = await Second("sync-inside",
                "serve", "--listen", $"127.0.0.1:{ServerProcess.FreePort()}", "--target", pair.Target, "--state", pair.InsideState, "--trust", pair.Key + ".pub");
            Assert.Equal(6, second.ExitCode);
            Assert.Matches(
                $@"^sync-inside: error: another 'sync-inside serve' is running on state directory '{System.Text.RegularExpressions.Regex.Escape(pair.InsideState)}' \(process {inside.Pid}\); one service per state directory$",
                second.Stderr.Trim());
        }

        var (outside, _) = await pair.ServeOutsideAsync();
        await using (outside)
        {
            var second = await Second("sync-outside",
                "serve", "--listen", $"127.0.0.1:{ServerProcess.FreePort()}", "--source", pair.Source, "--state", pair.OutsideState, "--key", pair.Key);
            Assert.Equal(6, second.ExitCode);
            Assert.Contains($"another 'sync-outside serve' is running on state directory '{pair.OutsideState}'", second.Stderr);
        }
    }

    /// <summary>A second server, killed after a minute should it start serving (as it did before the lock).</summary>
    private static Task<ProcessResult> Second(string agent, params string[] args) =>
        Run.Process("dotnet", [RepoPaths.AgentDll(agent), .. args], timeout: TimeSpan.FromSeconds(60));

    public static TheoryData<string, string> EveryCommand() => new()
    {
        { "sync-outside", "keygen" }, { "sync-outside", "export" }, { "sync-outside", "scan" }, { "sync-outside", "push" },
        { "sync-outside", "serve" }, { "sync-outside", "send" }, { "sync-outside", "carousel" }, { "sync-outside", "fec-plan" },
        { "sync-inside", "import" }, { "sync-inside", "verify" }, { "sync-inside", "status" }, { "sync-inside", "repair" },
        { "sync-inside", "serve" }, { "sync-inside", "pull" }, { "sync-inside", "receive" },
        { "sync-outside", "config-example" }, { "sync-inside", "config-example" },
    };

    [Theory]
    [MemberData(nameof(EveryCommand))]
    public async Task Every_command_takes_quiet_and_verbose(string agent, string command)
    {
        var help = await Run.Agent(agent, [command, "--help"]);

        Assert.Equal(0, help.ExitCode);
        Assert.Contains("--quiet", help.Stdout);
        Assert.Contains("--verbose", help.Stdout);
    }

    [Fact]
    public async Task Commands_with_nothing_to_silence_accept_quiet_and_verbose()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "pool/a.deb", TreeBuilder.RandomBytes(1000, 6));
        await Run.Ok(pair.Export());
        await Run.Ok(pair.Import());

        Assert.Contains("published: generation 1", (await Run.Ok(Run.Inside("status", "--state", pair.InsideState, "--quiet", "--verbose"))).Stdout);
        await Run.Ok(Run.Inside("verify", "--target", pair.Target, "--state", pair.InsideState, "--quiet", "--verbose"));
        await Run.Ok(Run.Outside("keygen", "--key", pair.Dir("second.key"), "-q", "-v"));
        await Run.Ok(Run.Outside("fec-plan", "--loss", "1", "--burst", "10", "--rate", "100M", "--quiet", "--verbose"));
    }
}

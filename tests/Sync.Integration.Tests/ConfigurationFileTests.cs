using System.Text;
using Sync.Integration.Tests.Infrastructure;

namespace Sync.Integration.Tests;

/// <summary>
/// Both real agents configured from a --config file and SYNC_ variables instead of options: a sync runs from the file
/// alone, the environment and the command line override it in the documented order, and a wrong key or value stops
/// the command with exit 2 and one line naming the file and the key, before anything is touched.
/// </summary>
public sealed class ConfigurationFileTests
{
    [Fact]
    public async Task An_export_and_an_import_run_from_their_configuration_files_alone()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "pool/a.deb", TreeBuilder.RandomBytes(200_000, 1));
        TreeBuilder.Write(pair.Source, "dists/stable/Release", Encoding.UTF8.GetBytes("Suite: stable\n"));
        var outside = pair.MakeDir("config") + "/outside.json";
        File.WriteAllText(outside, $$"""
            {
              // shared by every command that takes them
              "state": "{{pair.OutsideState}}",
              "key": "{{pair.Key}}",
              "quiet": true,
              "export": { "source": "{{pair.Source}}", "drop": "{{pair.Drop}}" },
            }
            """);
        var inside = pair.Dir("config") + "/inside.json";
        File.WriteAllText(inside, $$"""
            {
              "state": "{{pair.InsideState}}",
              "import": {
                "drop": "{{pair.Drop}}",
                "target": "{{pair.Target}}",
                "trust": ["{{pair.Key}}.pub"],
                "keep": 2,
                "quiet": true,
              },
            }
            """);

        Assert.Contains("generation 1 (full)", (await Run.Ok(Run.Outside("export", "--config", outside))).Stdout);
        Assert.Contains("generation 1 published", (await Run.Ok(Run.Inside("import", "--config", inside))).Stdout);
        TreeAssert.Equal(pair.Source, pair.Target);

        // SYNC_CONFIG names the file as --config does (the systemd units set it), and status takes "state" from the top.
        var status = await Run.Ok(Run.Agent("sync-inside", ["status"], new Dictionary<string, string> { ["SYNC_CONFIG"] = inside }));
        Assert.Contains("published: generation 1", status.Stdout);
    }

    [Fact]
    public async Task The_environment_overrides_the_command_line_which_overrides_the_file()
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "a.txt", Encoding.UTF8.GetBytes("one"));
        await Run.Ok(pair.Export());
        var config = pair.MakeDir("config") + "/inside.json";
        File.WriteAllText(config, """{ "import": { "keep": 0 } }""");

        // The file's refused value is named by file and key...
        var fromFile = await pair.Import("--config", config);
        Assert.Equal(2, fromFile.ExitCode);
        Assert.Equal($"sync-inside: error: {config}: key 'import:keep': --keep must be at least 1", fromFile.Stderr.Trim());

        // ...the command line wins over it...
        await Run.Ok(pair.Import("--config", config, "--keep", "2"));

        // ...and SYNC_ variables win over both, and are named when refused.
        var fromEnvironment = await pair.ImportWith(new Dictionary<string, string> { ["SYNC_IMPORT__KEEP"] = "0" }, "--config", config, "--keep", "2");
        Assert.Equal(2, fromEnvironment.ExitCode);
        Assert.Equal("sync-inside: error: environment variable SYNC_IMPORT__KEEP: --keep must be at least 1", fromEnvironment.Stderr.Trim());
    }

    [Theory]
    [InlineData("""{ "import": { "kep": 3 } }""", "key 'import:kep': 'import' takes no option --kep")]
    [InlineData("""{ "fec-overhed": 0.1 }""", "key 'fec-overhed': no command of this agent takes --fec-overhed")]
    [InlineData("""{ "import": { "keep": "three" } }""", "key 'import:keep': Cannot parse argument 'three' for option '--keep'")]
    [InlineData("""{ "import": { "keep": 3 """, "not a JSON object of options")]
    public async Task A_wrong_key_or_value_exits_2_naming_the_file_and_the_key_and_touches_nothing(string json, string expected)
    {
        using var pair = await SyncPair.CreateAsync();
        TreeBuilder.Write(pair.Source, "a.txt", Encoding.UTF8.GetBytes("one"));
        await Run.Ok(pair.Export());
        var config = pair.MakeDir("config") + "/inside.json";
        File.WriteAllText(config, json);

        var result = await pair.Import("--config", config);

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"sync-inside: error: {config}: ", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.Ordinal);
        Assert.False(Directory.Exists(pair.InsideState) && Directory.EnumerateFileSystemEntries(pair.InsideState).Any(), "the state was touched");
    }

    [Theory]
    [InlineData("sync-outside", "outside.json")]
    [InlineData("sync-inside", "inside.json")]
    public async Task The_example_configuration_in_deploy_is_what_the_agent_generates(string agent, string file)
    {
        var generated = await Run.Ok(Run.Agent(agent, ["config-example"]));
        var shipped = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "deploy", "etc", file));

        Assert.True(
            shipped == generated.Stdout,
            $"deploy/etc/{file} differs from '{agent} config-example': regenerate it with scripts/config-examples.sh");
    }
}

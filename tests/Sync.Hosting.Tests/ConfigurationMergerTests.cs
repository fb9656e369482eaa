using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Sync.Core;
using Sync.Hosting.Configuration;
using Sync.Testing.FileSystem;

namespace Sync.Hosting.Tests;

/// <summary>
/// The configuration file and SYNC_ variables merged into a command line: precedence (file, section, command line,
/// environment), lists, booleans, and every refusal naming the file and the key.
/// </summary>
public sealed class ConfigurationMergerTests : IDisposable
{
    private readonly TempDirectory _dir = new("sync-config-");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void FileKeysFillWhatTheCommandLineLeavesOut_SectionOverTheTop()
    {
        var file = Write("""
            {
              // comments and trailing commas are allowed
              "state": "/var/lib/x",
              "keep": 5,
              "import": { "keep": 7, "drop": "/media/dvd", },
            }
            """);
        var parsed = Parse(["import", "--config", file]);

        Assert.Empty(parsed.Errors);
        Assert.Equal("/var/lib/x", parsed.GetValue<string>("--state"));
        Assert.Equal(7, parsed.GetValue<int>("--keep"));
        Assert.Equal("/media/dvd", parsed.GetValue<string>("--drop"));
    }

    [Fact]
    public void TheCommandLineOverridesTheFile_AndTheEnvironmentOverridesBoth()
    {
        var file = Write("""{ "keep": 5, "state": "/from/file" }""");

        var typed = Parse(["import", "--config", file, "--keep", "9", "--drop", "d"]);
        Assert.Equal(9, typed.GetValue<int>("--keep"));

        var environment = Environment(("KEEP", "11"), ("IMPORT__STATE", "/from/env"));
        var overridden = Parse(["import", "--config", file, "--keep", "9", "--drop", "d", "--state", "/typed"], environment);
        Assert.Empty(overridden.Errors);
        Assert.Equal(11, overridden.GetValue<int>("--keep"));
        Assert.Equal("/from/env", overridden.GetValue<string>("--state"));
    }

    [Fact]
    public void EnvironmentNamesMapToOptions_AndSYNC_CONFIGNamesTheFile()
    {
        var file = Write("""{ "import": { "drop": "/from/file" } }""");
        var parsed = Parse(["import"], Environment(("CONFIG", file), ("LOCK_TIMEOUT", "30s"), ("TRUST__0", "a.pub"), ("TRUST__1", "b=b.pub")));

        Assert.Equal("/from/file", parsed.GetValue<string>("--drop"));
        Assert.Equal("30s", parsed.GetValue<string>("--lock-timeout"));
        Assert.Equal(["a.pub", "b=b.pub"], parsed.GetValue<string[]>("--trust")!);
    }

    [Fact]
    public void ListsRepeatTheOption_BooleansAndNullsMeanWhatTheySay()
    {
        var file = Write("""{ "trust": ["a.pub", "next=b.pub"], "import": { "verbose": true, "quiet": false, "lock-timeout": null } }""");
        var parsed = Parse(["import", "--config", file]);

        Assert.Equal(["a.pub", "next=b.pub"], parsed.GetValue<string[]>("--trust")!);
        Assert.True(parsed.GetValue<bool>("--verbose"));
        Assert.False(parsed.GetValue<bool>("--quiet"));
        Assert.Equal("10m", parsed.GetValue<string>("--lock-timeout"));
    }

    [Fact]
    public void AKeyOfAnotherCommandAtTheTopIsShared_NotAnError()
    {
        var file = Write("""{ "udp": "0.0.0.0:7700", "state": "/s" }""");
        var parsed = Parse(["import", "--config", file, "--drop", "d"]);

        Assert.Empty(parsed.Errors);
        Assert.Equal("/s", parsed.GetValue<string>("--state"));
    }

    [Theory]
    [InlineData("""{ "kep": 1 }""", "key 'kep': no command of this agent takes --kep")]
    [InlineData("""{ "import": { "udp": "x" } }""", "key 'import:udp': 'import' takes no option --udp")]
    [InlineData("""{ "imprt": { "keep": 1 } }""", "key 'imprt': no command of this agent is named 'imprt'")]
    [InlineData("""{ "import": { "keep": { "a": 1 } } }""", "key 'import:keep': expected a value or a list of values, not an object")]
    [InlineData("""{ "import": """, "not a JSON object of options")]
    [InlineData("""{ "keep": 1, "keep": 2 }""", "not a JSON object of options")]
    public void AFileThatSaysWhatNoCommandTakesIsAUsageErrorNamingFileAndKey(string json, string expected)
    {
        var file = Write(json);
        var error = Assert.Throws<SyncException>(() => Merge(["status", "--config", file]));

        Assert.Equal(SyncErrorKind.Usage, error.Kind);
        Assert.StartsWith(file, error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingFileIsAUsageError()
    {
        var error = Assert.Throws<SyncException>(() => Merge(["status", "--config", _dir.Combine("none.json")]));
        Assert.Equal(SyncErrorKind.Usage, error.Kind);
        Assert.Contains("none.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownVariablesAreOtherProgramsBusiness_ButAMistypedOptionInACommandsSectionIsNot()
    {
        Assert.Empty(Parse(["import", "--drop", "d", "--state", "s"], Environment(("DEBUG", "1"), ("WEB_LISTEN", "x"))).Errors);

        var error = Assert.Throws<SyncException>(() => Merge(["import"], Environment(("IMPORT__KEPP", "1"))));
        Assert.Contains("SYNC_IMPORT__KEPP", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ARefusedValueIsAttributedToWhereItCameFrom()
    {
        var file = Write("""{ "import": { "keep": 0 } }""");
        var line = Merge(["import", "--config", file], Environment(("STATE", "/s")));

        Assert.Equal($"{file}: key 'import:keep': --keep must be at least 1", line.Attribute("--keep must be at least 1"));
        Assert.Equal("environment variable SYNC_STATE: --state: no such directory", line.Attribute("--state: no such directory"));
        Assert.Equal("--drop is required", line.Attribute("--drop is required"));
        Assert.Equal("no option named", line.Attribute("no option named"));
    }

    [Fact]
    public void AValueTheOptionCannotParseNamesTheKey()
    {
        var file = Write("""{ "import": { "keep": "three" } }""");
        var line = Merge(["import", "--config", file, "--drop", "d", "--state", "s"]);
        var parsed = TestCommands.Inside().Parse([.. line.Arguments]);

        var message = line.Attribute(Assert.Single(parsed.Errors).Message);
        Assert.StartsWith($"{file}: key 'import:keep': ", message, StringComparison.Ordinal);
    }

    [Fact]
    public void ValuesThatLookLikeOptionsStayValues()
    {
        var file = Write("""{ "import": { "drop": "--state" } }""");
        var parsed = Parse(["import", "--config", file, "--state", "s"]);

        Assert.Empty(parsed.Errors);
        Assert.Equal("--state", parsed.GetValue<string>("--drop"));
    }

    [Fact]
    public void TheExampleFileIsValidConfiguration_WithEveryOptionOfEveryCommand()
    {
        var root = TestCommands.Inside();
        var example = ConfigurationExample.Write("sync-test", root);
        var file = Write(example);
        foreach (var option in root.Subcommands.SelectMany(c => c.Options).Where(o => o.Name.StartsWith("--", StringComparison.Ordinal) && o.Name != "--help"))
        {
            Assert.Contains($"\"{option.Name[2..]}\":", example, StringComparison.Ordinal);
        }

        // Every line is commented out: merging it changes nothing.
        Assert.Equal(["import", "--config", file], Merge(["import", "--config", file]).Arguments);

        // Uncommented, every default is a value its option accepts.
        var uncommented = string.Join('\n', example.Split('\n').Select(l => l.TrimStart().StartsWith("// \"", StringComparison.Ordinal) ? l.Replace("// \"", "\"", StringComparison.Ordinal) : l));
        var all = Write(uncommented);
        var parsed = Parse(["import", "--config", all, "--drop", "d", "--state", "s", "--trust", "t"]);
        Assert.Empty(parsed.Errors);
        Assert.Equal(3, parsed.GetValue<int>("--keep"));
    }

    private string Write(string json)
    {
        var path = _dir.Combine($"{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        return path;
    }

    private static IConfiguration Environment(params (string Key, string Value)[] variables) =>
        new ConfigurationBuilder().AddInMemoryCollection(variables.Select(v => KeyValuePair.Create(v.Key.Replace("__", ":", StringComparison.Ordinal), (string?)v.Value))).Build();

    private static ConfiguredCommandLine Merge(string[] args, IConfiguration? environment = null) =>
        ConfigurationMerger.Merge(TestCommands.Inside(), args, environment ?? Environment());

    private static ParseResult Parse(string[] args, IConfiguration? environment = null)
    {
        var root = TestCommands.Inside();
        var line = ConfigurationMerger.Merge(root, args, environment ?? Environment());
        return root.Parse([.. line.Arguments]);
    }
}

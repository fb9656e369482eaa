using System.CommandLine;
using Sync.Hosting.Configuration;

namespace Sync.Hosting.Tests;

/// <summary>A command tree shaped like an agent's: options shared between commands, lists, booleans, defaults and required ones.</summary>
internal static class TestCommands
{
    public static RootCommand Inside()
    {
        var root = new RootCommand("test agent");
        root.Options.Add(ConfigurationMerger.CreateConfigOption());

        var import = new Command("import", "Apply bundles.")
        {
            new Option<string>("--drop") { Description = "Folder holding bundles.", Required = true },
            State(),
            new Option<int>("--keep") { Description = "Snapshots kept.", DefaultValueFactory = _ => 3 },
            new Option<string[]>("--trust") { Description = "Trusted keys.", Arity = ArgumentArity.OneOrMore },
            new Option<string>("--lock-timeout") { Description = "How long to wait.", DefaultValueFactory = _ => "10m" },
            new Option<bool>("--quiet", "-q") { Description = "No progress." },
            new Option<bool>("--verbose", "-v") { Description = "Details." },
        };
        var status = new Command("status", "Print status.") { State() };
        var receive = new Command("receive", "Listen.")
        {
            State(),
            new Option<string>("--udp") { Description = "Address.", Required = true },
        };
        root.Subcommands.Add(import);
        root.Subcommands.Add(status);
        root.Subcommands.Add(receive);
        return root;
    }

    private static Option<string> State() => new("--state") { Description = "State directory.", Required = true };
}

using System.CommandLine;
using Sync.Core;
using Sync.Hosting.Configuration;

namespace Sync.Hosting;

/// <summary>
/// Parses and dispatches a command line, with the configuration file and SYNC_ environment variables merged in
/// (<see cref="ConfigurationMerger"/>), reporting a usage error as one line and exit code 2.
/// </summary>
public static class CommandLine
{
    /// <summary>
    /// An agent's entry: its root command made of <paramref name="commands"/>; the process environment is read here,
    /// once, for the options and the kill tests' switch.
    /// </summary>
    public static Task<int> InvokeAsync(string agentName, string description, IEnumerable<Command> commands, string[] args)
    {
        var root = new RootCommand(description);
        foreach (var command in commands)
        {
            root.Subcommands.Add(command);
        }

        var environment = ConfigurationMerger.ReadEnvironment();
        CrashPointSwitch.Arm(environment);
        return InvokeAsync(agentName, root, args, environment);
    }

    public static async Task<int> InvokeAsync(string agentName, RootCommand root, string[] args, Microsoft.Extensions.Configuration.IConfiguration environment)
    {
        LogOutput.AddTo(root);
        root.Options.Add(ConfigurationMerger.CreateConfigOption());
        root.Subcommands.Add(ConfigurationExample.CreateCommand(agentName, root));
        StandardOptions.Complete(root);
        var help = args.Contains("--help") || args.Contains("-h");
        ConfiguredCommandLine line;
        try
        {
            // Help must work even when the file it would read is broken.
            line = help ? new ConfiguredCommandLine(args, new Dictionary<string, ConfigurationSource>()) : ConfigurationMerger.Merge(root, args, environment);
        }
        catch (SyncException e)
        {
            CommandRunner.Fail(agentName, e.Message);
            return (int)e.Kind;
        }

        var result = root.Parse([.. line.Arguments]);
        LogOutput.Use(result);
        if (result.Errors.Count > 0 && !help)
        {
            CommandRunner.Fail(agentName, $"{CommandSuggestion.Describe(root, args) ?? line.Attribute(result.Errors[0].Message)} (see '{agentName} --help')");
            return 2;
        }

        ConfiguredCommandLine.Current = line;
        return await result.InvokeAsync().ConfigureAwait(false);
    }
}
